import { setMaxListeners } from 'node:events';
import { Code } from '@connectrpc/connect';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createGeneration } from '../events/generation.js';
import { createEndpointFeed, type EndpointSet } from './watch.js';

/** Apps and their healthy endpoints behind a fake pool answering the feed's one query. */
function fakeDb(apps: Record<string, number[]>) {
  const counts = { reads: 0 };
  const query = async (sql: string, params: unknown[] = []): Promise<{ rows: unknown[] }> => {
    await Promise.resolve();
    if (!sql.includes('FROM applications a')) return { rows: [{ settings: 1 }] };
    counts.reads++;
    const names = params[0] as string[];
    return {
      rows: names
        .filter((n) => n in apps)
        .flatMap((n): Record<string, unknown>[] =>
          apps[n]!.length === 0
            ? [{ app_name: n, id: null, replica_index: null, ip: null, port: null }]
            : apps[n]!.map((port, i) => ({
                app_name: n,
                id: port,
                replica_index: i,
                ip: '127.0.0.1',
                port,
              })),
        ),
    };
  };
  const client = { query, on() {}, off() {}, release() {} };
  return { counts, pool: { connect: async () => client } as unknown as pg.Pool };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('endpoint feed', () => {
  it('serves every watcher of every app from one query per read', async () => {
    const apps: Record<string, number[]> = { a: [1, 2], b: [] };
    const db = fakeDb(apps);
    const wakeup = createGeneration();
    const feed = createEndpointFeed({ db: db.pool, wakeup, recheckMs: 60_000 });
    const abort = new AbortController();
    setMaxListeners(500, abort.signal);
    const latest: (EndpointSet | undefined)[] = [];
    for (let i = 0; i < 200; i++) {
      void (async () => {
        for await (const set of feed.watch(i % 2 ? 'a' : 'b', abort.signal)) latest[i] = set;
      })();
    }
    await tick();
    expect(latest.filter(Boolean)).toHaveLength(200);
    expect(latest[1]!.endpoints.map((e) => e.port)).toEqual([1, 2]);
    expect(latest[0]!.endpoints).toEqual([]);
    const reads = db.counts.reads;
    expect(reads).toBeLessThanOrEqual(2);
    apps.a = [2];
    wakeup.bump();
    await tick();
    expect(db.counts.reads).toBe(reads + 1);
    expect(latest[1]!.endpoints.map((e) => e.port)).toEqual([2]);
    expect(latest[1]!.revision).toBe(2);
    expect(latest[0]!.revision).toBe(1);
    // No change: no new message.
    wakeup.bump();
    await tick();
    expect(latest[1]!.revision).toBe(2);
    abort.abort();
    await tick();
    feed.stop();
  });

  it('ends a watch of an unknown app with NotFound', async () => {
    const db = fakeDb({});
    const feed = createEndpointFeed({ db: db.pool, wakeup: createGeneration() });
    await expect(
      (async () => {
        for await (const _ of feed.watch('ghost', new AbortController().signal)) {
        }
      })(),
    ).rejects.toMatchObject({ code: Code.NotFound, rawMessage: 'app "ghost" not found' });
    feed.stop();
  });
});
