import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listEngineMetricsOfApps } from '../../../scaler-service/src/queries/engine-metrics.js';
import { createTestDatabase, dropTestDatabase, type TestDb } from '../../support/database.js';
import { insertApp, ownerPool } from './support.js';

/**
 * The engine's window reads for many apps (one control pass): what the
 * window shows stands in for the lookback probes, and only where it can
 * (issue 14, the 1,000-app pass). Each app gets samples at fixed ages.
 */
const cluster = inject('cluster');
let db: TestDb;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase(
    cluster,
    `autoserve_engine_metrics_${process.pid}_${Date.now().toString(36)}`,
  );
  pool = await ownerPool(db);
});

afterAll(async () => {
  await pool?.end();
  if (db) await dropTestDatabase(cluster, db.name);
});

/** Samples of `app`: [metric type, seconds ago, value]. */
async function samples(app: string, rows: [string, number, number][]) {
  await insertApp(pool, { name: app, desired: 1 });
  await pool.query(
    `INSERT INTO metrics (app_name, metric_type, timestamp, value, aggregation_level)
     SELECT $1, t, now() - make_interval(secs => s), v, 'app'
       FROM unnest($2::text[], $3::int[], $4::float8[]) x(t, s, v)`,
    [app, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
}

async function secondsAgo(app: string, type: string, value: number): Promise<number> {
  const r = await pool.query<{ ms: number }>(
    `SELECT floor(extract(epoch FROM max(timestamp)) * 1000)::float8 AS ms FROM metrics
      WHERE app_name = $1 AND metric_type = $2 AND value = $3`,
    [app, type, value],
  );
  return r.rows[0]!.ms;
}

describe('engine window reads for many apps', () => {
  it('reported and last traffic: from the window where it lies in the lookback, probed otherwise', async () => {
    // busy: traffic in the window. quiet: zeros in the window, traffic 400 s ago,
    // memory reported 200 s ago only. wide: a window longer than the lookback.
    await samples('busy', [
      ['rps', 5, 80],
      ['rps', 1, 90],
      ['cpu_percent', 3, 40],
    ]);
    await samples('quiet', [
      ['rps', 5, 0],
      ['rps', 400, 7],
      ['memory_percent', 200, 30],
      ['active_connections', 700, 3],
    ]);
    await samples('wide', [
      ['rps', 500, 4],
      ['latency_p95', 450, 120],
    ]);
    const got = await listEngineMetricsOfApps(
      pool,
      [
        { appName: 'busy', windowSeconds: 15, lookbackSeconds: 600, activation: 'rps' },
        { appName: 'quiet', windowSeconds: 15, lookbackSeconds: 600, activation: 'rps' },
        { appName: 'wide', windowSeconds: 600, lookbackSeconds: 300, activation: 'rps' },
        { appName: 'none', windowSeconds: 15, lookbackSeconds: 600, activation: 'rps' },
      ],
      new Map(),
    );
    const busy = got.get('busy')!;
    expect([...busy.reported].sort()).toEqual(['cpu_percent', 'rps']);
    expect(busy.lastActiveAt).toBe(await secondsAgo('busy', 'rps', 90));
    expect(busy.metrics.rps?.app).toBe(85);

    const quiet = got.get('quiet')!;
    // memory (200 s) is inside the lookback; connections (700 s) is not.
    expect([...quiet.reported].sort()).toEqual(['memory_percent', 'rps']);
    expect(quiet.lastActiveAt).toBe(await secondsAgo('quiet', 'rps', 7));
    expect(quiet.metrics.rps?.app).toBe(0);

    // The window sees samples older than the lookback: they must not count
    // as reported or as traffic within the lookback.
    const wide = got.get('wide')!;
    expect(wide.metrics.rps?.app).toBe(4);
    expect([...wide.reported]).toEqual([]);
    expect(wide.lastActiveAt).toBeUndefined();

    const none = got.get('none')!;
    expect(none.reported.size).toBe(0);
    expect(none.metrics).toEqual({});
    expect(none.lastActiveAt).toBeUndefined();
  });
});
