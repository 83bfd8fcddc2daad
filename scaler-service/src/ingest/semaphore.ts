/**
 * Counting semaphore: bounds concurrent binary COPYs so ingest cannot take
 * every pooled connection (the RPCs and the control loop need some) and
 * waiting batches queue here, not in memory-hungry buffers: a waiting stream
 * does not read its next message, so HTTP/2 flow control pushes back on the
 * client.
 */
export class Semaphore {
  #free: number;
  readonly #queue: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error('semaphore size must be >= 1');
    this.#free = size;
  }

  /** Slots not in use. */
  get available(): number {
    return this.#free;
  }

  /** Waits for a slot; returns its release function (call exactly once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#free > 0) {
      this.#free--;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        const i = this.#queue.indexOf(grant);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal?.reason);
      };
      this.#queue.push(grant);
      signal?.addEventListener('abort', abort, { once: true });
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
