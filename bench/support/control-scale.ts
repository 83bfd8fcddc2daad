import pg from 'pg';
import pino from 'pino';
import { createControlPass } from '../../scaler-service/src/control/pass.js';
import { createReconciler } from '../../scaler-service/src/reconciler/reconcile.js';
import type { Runtime, RuntimeInstance } from '../../scaler-service/src/runtime/types.js';
import { benchDatabase } from './bench-db.js';
import { percentile } from './stats.js';

/** A runtime that keeps its instances in memory (every create succeeds at once). */
function fakeRuntime(): Runtime {
  const all = new Map<string, RuntimeInstance>();
  let n = 0;
  return {
    kind: 'process',
    async ping() {},
    async create(spec) {
      const id = `fake:${++n}`;
      all.set(id, {
        id,
        name: spec.name,
        appName: spec.appName,
        replicaIndex: spec.replicaIndex,
        generation: spec.generation,
        port: spec.port,
        state: 'running',
        exitCode: undefined,
        startedAt: new Date(),
      });
      return id;
    },
    async list() {
      return [...all.values()];
    },
    async stop() {},
    async remove(id) {
      all.delete(id);
    },
    async stats() {
      return { cpuPercent: 50, memoryPercent: 40, memoryBytes: 1e8 };
    },
    async logs() {
      return '';
    },
    async close() {},
  };
}

/** Counts every statement sent: pool.query and the queries of checked-out clients. */
function countingPool(url: string): { pool: pg.Pool; count: () => number } {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  let n = 0;
  const poolQuery = pool.query.bind(pool);
  pool.query = ((...a: unknown[]) => {
    n++;
    return (poolQuery as (...x: unknown[]) => unknown)(...a);
  }) as typeof pool.query;
  pool.on('acquire', (client: pg.PoolClient & { counted?: boolean }) => {
    if (client.counted) return;
    client.counted = true;
    const q = client.query.bind(client);
    client.query = ((...a: unknown[]) => {
      n++;
      return (q as (...x: unknown[]) => unknown)(...a);
    }) as typeof client.query;
  });
  return { pool, count: () => n };
}

export interface ScaleFigure {
  apps: number;
  instancesPerApp: number;
  passes: number;
  passMs: { p50: number; p95: number; max: number };
  roundTripsPerApp: number;
}

/**
 * One control-loop pass (the production createControlPass) over `apps` apps
 * of `perApp` instances each, with a fake runtime and the real database:
 * every app in auto mode is evaluated on every pass (evaluation interval 0),
 * with per-instance CPU and app-level rps/latency in its window. The first
 * pass creates the instances; the figure is the steady-state passes after.
 */
export async function controlScale(apps: number, perApp: number, passes: number) {
  const db = await benchDatabase('autoserve_bench_control');
  const { pool, count } = countingPool(db.primaryUrl);
  try {
    await pool.query("DELETE FROM applications WHERE name LIKE 'scale-%'");
    const spec = JSON.stringify({
      image: 'bench',
      command: [],
      args: [],
      env: {},
      port: 0,
      cpu_limit: 0,
      memory_limit_bytes: 0,
      labels: {},
    });
    await pool.query(
      `INSERT INTO applications (name, spec, status, mode, desired_replicas)
       SELECT 'scale-' || lpad(i::text, 5, '0'), $1, 'running', 'auto', $2
         FROM generate_series(1, $3::int) i`,
      [spec, perApp, apps],
    );
    const runtime = fakeRuntime();
    const log = pino({ level: 'silent' });
    let port = 20000;
    const reconcile = createReconciler({
      db: pool,
      runtime,
      log,
      ports: { allocate: async (taken) => (taken.has(++port) ? ++port : port) },
      stopGraceMs: 0,
      drainMs: 0,
    });
    const pass = createControlPass({
      db: pool,
      runtime,
      log,
      config: { evaluationIntervalMs: 0, outcomeTimeoutMs: 60_000 },
      reconcile,
      isLeader: () => true,
    });
    await pass.run();
    // Samples covering the next few minutes, so every window has data.
    await pool.query(
      `INSERT INTO metrics (app_name, instance_id, metric_type, timestamp, value, aggregation_level)
       SELECT app_name, id, 'cpu_percent', now() + make_interval(secs => s), 55 + (id % 10), 'instance'
         FROM instances, generate_series(-50, 240, 10) s WHERE app_name LIKE 'scale-%'`,
    );
    await pool.query(
      `INSERT INTO metrics (app_name, metric_type, timestamp, value, aggregation_level)
       SELECT name, t, now() + make_interval(secs => s), CASE t WHEN 'rps' THEN 200 ELSE 150 END, 'app'
         FROM applications, unnest(ARRAY['rps', 'latency_p95']) t, generate_series(-50, 240, 10) s
        WHERE name LIKE 'scale-%'`,
    );
    await pool.query('ANALYZE metrics; ANALYZE instances; ANALYZE scaling_decisions');
    const times: number[] = [];
    const trips: number[] = [];
    for (let i = 0; i < passes; i++) {
      const before = count();
      const t = performance.now();
      await pass.run();
      times.push(performance.now() - t);
      trips.push(count() - before);
    }
    return {
      apps,
      instancesPerApp: perApp,
      passes,
      passMs: (() => {
        const sorted = [...times].sort((a, b) => a - b);
        const r = (v: number) => Math.round(v);
        return {
          p50: r(percentile(sorted, 50)),
          p95: r(percentile(sorted, 95)),
          max: r(sorted.at(-1)!),
        };
      })(),
      roundTripsPerApp: trips.reduce((a, b) => a + b, 0) / trips.length / apps,
    } satisfies ScaleFigure;
  } finally {
    await pool.query("DELETE FROM applications WHERE name LIKE 'scale-%'").catch(() => {});
    await pool.end();
  }
}
