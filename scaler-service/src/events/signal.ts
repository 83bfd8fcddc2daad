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

/**
 * Runs a shared reader's query, retrying a few times with a growing pause: a
 * failed read would end every stream it feeds at once (and they would all
 * reconnect at once), so a blip (a pool wait timing out, a dropped
 * connection) is ridden out here. The last error is thrown.
 */
export async function withRetries<T>(
  read: () => Promise<T>,
  retries = 3,
  firstPauseMs = 250,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, firstPauseMs * 2 ** attempt));
    }
  }
}
