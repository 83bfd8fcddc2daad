import { createLogger, createPool, type Pool } from '@autoserve/runtime';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RETENTION_LOCK } from '../../../scaler-service/src/queries/retention.js';
import { runRetentionPass } from '../../../scaler-service/src/retention/retention.js';

const db = inject('db');
const DAY = 86_400_000;

describe('retention', () => {
  let pool: Pool;
  let owner: pg.Client;
  const log = createLogger({ name: 'retention-test', level: 'silent' });
  const config = {
    metricsMaxAgeMs: 30 * DAY,
    eventsMaxAgeMs: 90 * DAY,
    idempotencyKeyTtlMs: DAY,
    intervalMs: 0,
    batchRows: 100,
    batchPauseMs: 1,
  };
  beforeAll(async () => {
    pool = await createPool({ url: db.scalerUrl, max: 3, applicationName: 'retention-test' });
    owner = new pg.Client({ connectionString: db.ownerUrl });
    await owner.connect();
  });
  afterAll(async () => {
    await pool?.end();
    await owner?.end();
  });

  const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
  const dayStart = (ms: number) => new Date(Math.floor(ms / DAY) * DAY);

  it('drops expired partitions, deletes older rows in batches, keeps recent ones, purges idempotency keys', async () => {
    const now = Date.now();
    // An expired daily metrics partition (dropped whole) and old rows in DEFAULT (deleted in batches).
    const oldDay = dayStart(now - 40 * DAY);
    const part = `metrics_p${ymd(oldDay.getTime())}`;
    await owner.query(
      `CREATE TABLE IF NOT EXISTS ${part} PARTITION OF metrics FOR VALUES FROM ('${oldDay.toISOString()}') TO ('${new Date(oldDay.getTime() + DAY).toISOString()}')`,
    );
    await owner.query(
      `INSERT INTO metrics (app_name, metric_type, timestamp, value)
       SELECT 'ret-app', 'rps', $1::timestamptz + make_interval(secs => g), g FROM generate_series(1, 50) g`,
      [oldDay],
    );
    await owner.query(
      `INSERT INTO metrics (app_name, metric_type, timestamp, value)
       SELECT 'ret-app', 'rps', now() - interval '35 days' - make_interval(days => g % 3), g FROM generate_series(1, 350) g`,
    );
    await owner.query(
      `INSERT INTO metrics (app_name, metric_type, timestamp, value)
       SELECT 'ret-app', 'rps', now() - make_interval(secs => g), g FROM generate_series(1, 20) g`,
    );
    await owner.query(
      `INSERT INTO events (event_type, message, timestamp, source) SELECT 'config', 'old', now() - interval '100 days', 'test' FROM generate_series(1, 120)`,
    );
    await owner.query(
      `INSERT INTO events (event_type, message, source) VALUES ('config', 'fresh', 'test')`,
    );
    await owner.query(
      `INSERT INTO idempotency_keys (request_id, method, request_hash, response, created_at)
       VALUES ('old-key', 'ScaleApp', 'h', '\\x00', now() - interval '2 days'), ('new-key', 'ScaleApp', 'h', '\\x00', now())`,
    );

    const r = await runRetentionPass(pool, config, log);
    expect(r.skipped).toBe(false);
    expect(r.droppedPartitions.metrics).toBeGreaterThanOrEqual(1);
    expect(r.deletedRows.metrics).toBe(350);
    expect(r.deletedRows.events).toBe(120);
    expect(r.deletedIdempotencyKeys).toBe(1);
    expect((await owner.query('SELECT to_regclass($1) AS t', [part])).rows[0].t).toBeNull();
    const left = await owner.query(
      `SELECT count(*)::int AS n, min(timestamp) AS oldest FROM metrics WHERE app_name = 'ret-app'`,
    );
    expect(left.rows[0].n).toBe(20);
    expect(
      (await owner.query(`SELECT count(*)::int AS n FROM events WHERE message = 'old'`)).rows[0].n,
    ).toBe(0);
    expect(
      (await owner.query(`SELECT count(*)::int AS n FROM events WHERE message = 'fresh'`)).rows[0]
        .n,
    ).toBe(1);
    expect(
      (
        await owner.query(
          `SELECT request_id FROM idempotency_keys WHERE method = 'ScaleApp' AND request_id IN ('old-key', 'new-key')`,
        )
      ).rows,
    ).toEqual([{ request_id: 'new-key' }]);
  });

  it('runs in one Scaler at a time (advisory lock)', async () => {
    const holder = new pg.Client({ connectionString: db.ownerUrl });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK.toString()]);
      expect((await runRetentionPass(pool, config, log)).skipped).toBe(true);
      await holder.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK.toString()]);
      expect((await runRetentionPass(pool, config, log)).skipped).toBe(false);
    } finally {
      await holder.end();
    }
  });
});
