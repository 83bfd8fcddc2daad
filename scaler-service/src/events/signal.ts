/** Something a producer wakes by calling its `notify`. */
export interface Notifiable {
  notify?: (() => void) | undefined;
}

/**
 * Resolves at the next `target.notify()` or when `signal` aborts, whichever
 * comes first; leaves no listener behind. A stream's consumer sleeps on it
 * between messages that a shared reader hands over.
 */
export function nextNotify(target: Notifiable, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      target.notify = undefined;
      resolve();
    };
    target.notify = done;
    signal.addEventListener('abort', done, { once: true });
  });
}
