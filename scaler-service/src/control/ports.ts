import { createServer } from 'node:net';

/** True when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * Picks a loopback port in [from, to] for a new instance: not held by a live
 * instance row (the partial unique index guards that too) or an instance of
 * the runtime, and free on the host right now, so a foreign listener is
 * skipped instead of crashing the new instance. Rotates through the range so
 * a just-released port is not reused at once (late packets, TIME_WAIT).
 */
export function createPortAllocator(range: { from: number; to: number }) {
  let next = range.from;
  return {
    async allocate(taken: ReadonlySet<number>): Promise<number | undefined> {
      const size = range.to - range.from + 1;
      for (let i = 0; i < size; i++) {
        const port = next;
        next = next >= range.to ? range.from : next + 1;
        if (taken.has(port)) continue;
        if (await portFree(port)) return port;
      }
      return undefined;
    },
  };
}

export type PortAllocator = ReturnType<typeof createPortAllocator>;
