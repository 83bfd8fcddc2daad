import type { Readable } from 'node:stream';

/**
 * Iterates a bidi call's requests without destroying the call when they end.
 * A plain `for await` over a Node stream destroys it once the client
 * half-closes, which (for the duplex grpc-js hands the adapter) also kills
 * the response side, so the final status would never be sent. Plain
 * iterables (tests, other transports) pass through.
 */
export function requestsOf<T>(requests: AsyncIterable<T>): AsyncIterable<T> {
  const stream = requests as unknown as Partial<Readable>;
  if (typeof stream.iterator === 'function') {
    return stream.iterator({ destroyOnReturn: false }) as AsyncIterable<T>;
  }
  return requests;
}
