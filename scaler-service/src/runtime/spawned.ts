import type { EventEmitter } from 'node:events';

/**
 * Resolves when a child process has spawned, rejects with its 'error' when it could not.
 * Either way the two one-shot listeners are gone afterwards and a permanent 'error' listener
 * stays for the child's life. `Promise.race([once(child, 'spawn'), once(child, 'error')...])`
 * left the losing `once(child, 'error')` listening: it silently took the child's first later
 * 'error' (a failed kill or send) and then went away, so a second one was an 'error' event
 * without a listener, thrown as an uncaught exception that ends the Scaler's process.
 */
export function spawned(
  child: EventEmitter,
  onLateError: (err: Error) => void = () => {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onSpawn = () => {
      child.off('error', onError);
      child.on('error', onLateError);
      resolve();
    };
    const onError = (err: Error) => {
      child.off('spawn', onSpawn);
      child.on('error', onLateError);
      reject(err);
    };
    child.once('spawn', onSpawn);
    child.once('error', onError);
  });
}
