import type { Writable } from 'node:stream';

/**
 * Ends a COPY FROM STDIN stream with `payload` and settles when Postgres committed it
 * ('finish') or on its first error. The 'error' listener stays for the stream's life:
 * pg-copy-streams can emit a second 'error' after the first. When the server reports an
 * error while a payload larger than the socket buffer is still draining, its handleError
 * emits 'error' and detaches the connection; the socket's 'drain' then completes the write,
 * `_final` dereferences the detached connection, and the stream is destroyed with that
 * TypeError. `await once(stream, 'finish')` had removed its listener after the first error,
 * so the second was an uncaught exception that ended the Scaler.
 */
export function endCopy(stream: Writable, payload: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.once('finish', resolve);
    stream.end(payload);
  });
}
