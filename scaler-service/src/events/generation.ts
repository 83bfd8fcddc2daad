/**
 * A counter that waiters sleep on: `bump` wakes everyone who saw an older
 * value. The event hub bumps it when events may have committed; readers
 * capture `generation()` before a read and wait for a change after it, so
 * nothing that committed during the read is missed.
 */
export interface Generation {
  generation(): number;
  /** Resolves once the generation differs from `seen`, or when `signal` aborts. */
  wait(seen: number, signal: AbortSignal): Promise<void>;
  bump(): void;
}

export function createGeneration(): Generation {
  let gen = 0;
  let waiters = new Set<() => void>();
  return {
    generation: () => gen,
    wait(seen, signal) {
      if (gen !== seen || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          waiters.delete(done);
          resolve();
        };
        waiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
    bump() {
      gen++;
      const woken = waiters;
      waiters = new Set();
      for (const wake of woken) wake();
    },
  };
}
