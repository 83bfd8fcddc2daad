import { createPool, type Pool, type RunningService, withTx } from '@autoserve/runtime';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { insertEvent } from '../../../scaler-service/src/queries/events.js';
import {
  createTestDatabase,
  dropTestDatabase,
  queryOnce,
  type TestDb,
} from '../../support/database.js';
import { eventually, startScaler } from '../../support/services.js';
import { appName, type ScalerClient, scalerClient } from './client.js';

const cluster = inject('cluster');
/** Watchers of each kind in the crowded phase. */
const N = 300;
/** Measurement window. */
const WINDOW_MS = 5000;

/** Transactions committed in the database, by Postgres's own counters. */
async function xacts(db: TestDb): Promise<number> {
  const r = await queryOnce<{ n: string }>(
    cluster.primaryUrl,
    'SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = $1',
    [db.name],
  );
  return Number(r.rows[0]!.n);
}

/** Transactions per second in the database over the window. */
async function rate(db: TestDb): Promise<number> {
  const before = await xacts(db);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  return ((await xacts(db)) - before) / (WINDOW_MS / 1000);
}

interface Watchers {
  /** Last endpoint-set size each WatchEndpoints stream got. */
  sets: number[];
  /** Last event id each WatchEvents stream got. */
  lastEvent: bigint[];
  close(): void;
}

function openWatchers(c: ScalerClient, app: string, count: number): Watchers {
  const abort = new AbortController();
  const w: Watchers = {
    sets: new Array<number>(count).fill(-1),
    lastEvent: new Array<bigint>(count).fill(-1n),
    close: () => abort.abort(),
  };
  for (let i = 0; i < count; i++) {
    void (async () => {
      for await (const m of c.watchEndpoints({ appName: app }, { signal: abort.signal }))
        w.sets[i] = m.endpoints.length;
    })().catch(() => {});
    void (async () => {
      for await (const m of c.watchEvents({ appName: app }, { signal: abort.signal }))
        w.lastEvent[i] = m.event!.id;
    })().catch(() => {});
  }
  return w;
}

describe('watch fan-out', () => {
  let db: TestDb;
  let svc: RunningService;
  let c: ScalerClient;
  let pool: Pool;
  let app: string;
  let writing: NodeJS.Timeout | undefined;
  let lastWritten = 0n;
  beforeAll(async () => {
    // A database of its own, so pg_stat_database counts this service's queries only.
    db = await createTestDatabase(cluster, `fanout_${process.pid}_${Date.now().toString(36)}`);
    svc = await startScaler(db, {
      HEALTH_INTERVAL: '1s',
      // No background jobs: the counters see the watchers and the event writer only.
      RETENTION_INTERVAL: '0',
      SUCCESS_RATES_REFRESH_INTERVAL: '0',
      GRPC_MAX_STREAMS: '2000',
      GRPC_MAX_STREAMS_PER_PRINCIPAL: '2000',
    });
    c = scalerClient(svc.port);
    pool = await createPool({ url: db.scalerUrl, max: 2, applicationName: 'fanout-test' });
    app = appName('fan');
    await c.registerApp({ name: app, spec: { image: 'x' } });
    await pool.query(
      `INSERT INTO instances (app_name, container_id, container_name, replica_index, ip, port, status, health_status)
       SELECT $1, 'c-' || i || '-' || $1, 'n-' || i, i, '127.0.0.1', 20000 + i, 'running', 'healthy'
         FROM generate_series(0, 1) AS i`,
      [app],
    );
    // A steady stream of events (4/s): the case where each watcher used to re-read.
    writing = setInterval(() => {
      void withTx(pool, {}, (tx) =>
        insertEvent(tx, { type: 'health', appName: app, message: 'tick', source: 'health' }),
      ).then(
        (row) => {
          lastWritten = BigInt(row.id);
        },
        () => {},
      );
    }, 250);
  }, 120_000);
  afterAll(async () => {
    clearInterval(writing);
    await svc?.stop();
    await pool?.end();
    if (db) await dropTestDatabase(cluster, db.name);
  });

  it(`serves ${N} watchers of one app with the query rate of one, on the watchers' own pool`, async () => {
    const one = openWatchers(c, app, 1);
    await eventually(async () => one.sets[0] === 2 && one.lastEvent[0]! > 0n, 10_000, 'first');
    const rateOne = await rate(db);

    const many = openWatchers(c, app, N);
    await eventually(
      async () => many.sets.every((s) => s === 2) && many.lastEvent.every((id) => id > 0n),
      30_000,
      `${N} watchers of each kind to be served`,
    );
    const rateMany = await rate(db);
    // Connections by pool while the crowd is live (idle ones stay open for 30 s).
    const conns = await queryOnce<{ app: string; n: number }>(
      cluster.primaryUrl,
      `SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name LIKE 'autoserve-scaler%' GROUP BY 1`,
      [db.name],
    );
    const byPool = Object.fromEntries(conns.rows.map((r) => [r.app, r.n]));

    // Every watcher keeps up: the newest event written reaches all of them.
    const target = lastWritten;
    await eventually(
      async () => [...one.lastEvent, ...many.lastEvent].every((id) => id >= target),
      10_000,
      'every WatchEvents stream to get the newest event',
    );
    // An endpoint change reaches every WatchEndpoints stream.
    await withTx(pool, {}, async (tx) => {
      await tx.query(
        `UPDATE instances SET health_status = 'unhealthy' WHERE app_name = $1 AND replica_index = 1`,
        [app],
      );
      await insertEvent(tx, { type: 'health', appName: app, message: 'down', source: 'health' });
    });
    await eventually(
      async () => [...one.sets, ...many.sets].every((s) => s === 1),
      10_000,
      'every WatchEndpoints stream to see the change',
    );
    one.close();
    many.close();
    clearInterval(writing);

    // With 4 events/s, each of 2N streams re-reading would add thousands of
    // transactions per second; one shared reader adds none per watcher.
    expect(rateMany, `xact/s with 1 watcher: ${rateOne}, with ${N + 1}: ${rateMany}`).toBeLessThan(
      rateOne * 2 + 5,
    );
    // The watchers read on their own pool (2 connections); the RPC pool stayed as small as
    // the registration and the health probe left it (per-stream reads would fill all 20).
    expect(byPool['autoserve-scaler-watch'], JSON.stringify(byPool)).toBeGreaterThanOrEqual(1);
    expect(byPool['autoserve-scaler-watch'], JSON.stringify(byPool)).toBeLessThanOrEqual(2);
    expect(byPool['autoserve-scaler'] ?? 0, JSON.stringify(byPool)).toBeLessThanOrEqual(3);
  });

  it('keeps RPCs answering while every watcher read is blocked', async () => {
    // Block every read of events (the watchers' table) until ROLLBACK.
    const locker = new pg.Client({ connectionString: db.ownerUrl });
    await locker.connect();
    const abort = new AbortController();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      // Resumed streams each need a catch-up read: 40 of them, more than the RPC pool (20).
      for (let i = 0; i < 40; i++) {
        void (async () => {
          for await (const _ of c.watchEvents(
            { appName: app, afterEventId: 1n },
            { signal: abort.signal },
          )) {
          }
        })().catch(() => {});
      }
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        const got = await c.getApp({ name: app }, { timeoutMs: 2000 });
        expect(got.app?.name).toBe(app);
        expect(Date.now() - started).toBeLessThan(1000);
      }
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
      abort.abort();
    }
  });
});
