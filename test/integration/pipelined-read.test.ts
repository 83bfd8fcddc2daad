import {
  createPool,
  type Pool,
  type PoolClient,
  withPipelinedReadSession,
} from '@autoserve/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const db = inject('db');

/** Counts the socket writes a client makes (pg writes each flushed batch with one write/writev). */
function countWrites(client: PoolClient): { n: number; stop(): void } {
  const stream = (client as unknown as { connection: { stream: Record<string, unknown> } })
    .connection.stream;
  const counter = { n: 0, stop: () => {} };
  const saved = { write: stream._write, writev: stream._writev };
  for (const k of ['_write', '_writev'] as const) {
    const orig = stream[k] as ((...a: unknown[]) => unknown) | undefined;
    if (!orig) continue;
    stream[k] = function (this: unknown, ...a: unknown[]) {
      counter.n++;
      return orig.apply(this, a);
    };
  }
  counter.stop = () => {
    stream._write = saved.write;
    stream._writev = saved.writev;
  };
  return counter;
}

describe('pipelined read session (settings, probe and first statement in one round trip)', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = await createPool({
      url: db.contextReplicaUrl,
      max: 1,
      applicationName: 'pipelined-test',
      pipeline: true,
    });
  });
  afterAll(async () => {
    await pool.end();
  });

  it("sends the settings with the read's first statement in one write, and the statement sees them", async () => {
    let writes: { n: number; stop(): void } | undefined;
    // Counted from checkout, before the settings statement is issued.
    pool.once('acquire', (client) => {
      writes = countWrites(client);
    });
    const seen = await withPipelinedReadSession(
      pool,
      { settings: { 'hnsw.ef_search': '123' }, probe: 'pg_is_in_recovery() AS in_recovery' },
      async (client) => {
        const r = await client.query<{ ef: string }>(
          "SELECT current_setting('hnsw.ef_search') AS ef",
        );
        return r.rows[0]!.ef;
      },
      async (probed) => {
        expect(probed.in_recovery).toBe(true);
      },
    );
    writes!.stop();
    expect(seen).toBe('123');
    // The settings statement was queued before fn ran; both left in the one corked write.
    expect(writes!.n).toBe(1);
  });

  it('rejects with the check, only once the read has settled (the client is not released mid-flight)', async () => {
    let settled = false;
    await expect(
      withPipelinedReadSession(
        pool,
        { probe: '1 AS one' },
        async (client) => {
          await client.query('SELECT pg_sleep(0.2)');
          settled = true;
          return 'stale answer';
        },
        async () => {
          throw new Error('too stale');
        },
      ),
    ).rejects.toThrow('too stale');
    expect(settled).toBe(true);
    // The one connection is usable again, with nothing left queued on it.
    const c = await pool.connect();
    try {
      expect((await c.query<{ x: number }>('SELECT 1 AS x')).rows[0]!.x).toBe(1);
    } finally {
      c.release();
    }
  });

  it("reports fn's own failure when the check passes, without an unhandled rejection", async () => {
    await expect(
      withPipelinedReadSession(
        pool,
        { probe: '1 AS one' },
        async (client) => {
          await client.query('SELECT 1/0');
          return 1;
        },
        async () => {},
      ),
    ).rejects.toMatchObject({ code: '22012' });
  });
});
