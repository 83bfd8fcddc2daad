import pg from 'pg';
import pino from 'pino';
import { systemClock } from '../../scaler-service/src/control/clock.js';
import { createControlShell } from '../../scaler-service/src/control/loop.js';
import { createPgControlStore } from '../../scaler-service/src/control/pg-store.js';
import { createFakeRuntime } from '../../scaler-service/src/control/testing/fake-runtime.js';
import { bumpLeaderTerm } from '../../scaler-service/src/queries/leader-term.js';
import { benchDatabase } from './bench-db.js';
import { percentile } from './stats.js';

/** Counts every statement sent: pool.query and the queries of checked-out clients, by kind. */
function countingPool(url: string): {
  pool: pg.Pool;
  count: () => number;
  kinds: Map<string, number>;
  times: Map<string, number>;
} {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  let n = 0;
  const kinds = new Map<string, number>();
  const times = new Map<string, number>();
  const kindOf = (q: unknown) => {
    const text = typeof q === 'string' ? q : ((q as { text?: string })?.text ?? '?');
    return text.replace(/\s+/g, ' ').trim().slice(0, 48);
  };
  const note = (q: unknown) => {
    n++;
    const k = kindOf(q);
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  };
  const took = (k: string, t: number) => times.set(k, (times.get(k) ?? 0) + performance.now() - t);
  // pool.query runs on a checked-out client too (with a callback), so every
  // statement is counted and timed here once, in a transaction or not.
  pool.on('acquire', (client: pg.PoolClient & { counted?: boolean }) => {
    if (client.counted) return;
    client.counted = true;
    const q = client.query.bind(client);
    client.query = ((...a: unknown[]) => {
      note(a[0]);
      const k = kindOf(a[0]);
      const t = performance.now();
      const last = a.at(-1);
      if (typeof last === 'function') {
        a[a.length - 1] = (...r: unknown[]) => {
          took(k, t);
          return (last as (...x: unknown[]) => unknown)(...r);
        };
        return (q as (...x: unknown[]) => unknown)(...a);
      }
      const p = (q as (...x: unknown[]) => unknown)(...a);
      if (p instanceof Promise) void p.finally(() => took(k, t)).catch(() => {});
      return p;
    }) as typeof client.query;
  });
  return { pool, count: () => n, kinds, times };
}

export interface ScaleFigure {
  apps: number;
  instancesPerApp: number;
  passes: number;
  passMs: { p50: number; p95: number; max: number };
  roundTripsPerApp: number;
  /** Statements per app per pass by their first words, most frequent first. */
  statementsPerApp: Record<string, number>;
  /** Milliseconds per pass spent in each kind of statement (sent to answered). */
  msPerPass: Record<string, number>;
  /** With a baseline tree: its passes, alternated with ours on the same data. */
  baseline?: { tree: string; passMs: { p50: number; p95: number; max: number }; ratioP50: number };
}

function summary(times: readonly number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v);
  return { p50: r(percentile(sorted, 50)), p95: r(percentile(sorted, 95)), max: r(sorted.at(-1)!) };
}

/** The control-loop modules a pass is built from (ours, or another checkout's). */
interface PassModules {
  createControlShell: typeof createControlShell;
  createPgControlStore: typeof createPgControlStore;
}

/**
 * A database with `apps` apps of `perApp` instances each, all in auto mode
 * and running on their own fake runtime, and a control pass built from
 * `modules` over `pool` (the production store, fencing included). `fresh()`
 * writes the next minute of samples. The first pass creates the instances, a
 * second (untimed) one reads the latency baselines, which a process reads
 * once at start and then keeps.
 */
async function prepareSide(
  name: string,
  apps: number,
  perApp: number,
  modules: PassModules,
  poolOf: (url: string) => pg.Pool,
) {
  const db = await benchDatabase(name);
  const pool = poolOf(db.primaryUrl);
  // Setup and the fresh samples between passes go through their own pool (not counted).
  const admin = new pg.Pool({ connectionString: db.primaryUrl, max: 2 });
  const cleanup = async () => {
    await admin.query("DELETE FROM applications WHERE name LIKE 'scale-%'").catch(() => {});
    await admin.query("DELETE FROM metrics WHERE app_name LIKE 'scale-%'").catch(() => {});
    await admin.end();
    await pool.end();
  };
  try {
    await admin.query("DELETE FROM applications WHERE name LIKE 'scale-%'");
    await admin.query("DELETE FROM metrics WHERE app_name LIKE 'scale-%'");
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
    await admin.query(
      `INSERT INTO applications (name, spec, status, mode, desired_replicas)
       SELECT 'scale-' || lpad(i::text, 5, '0'), $1, 'running', 'auto', $2
         FROM generate_series(1, $3::int) i`,
      [spec, perApp, apps],
    );
    let port = 20000;
    // The production store, fencing included: this run holds the current term.
    const term = await bumpLeaderTerm(admin, 'bench');
    const leadership = { isLeader: () => true, term: () => term };
    const pass = modules.createControlShell({
      store: modules.createPgControlStore({ pool, leadership, statementTimeoutMs: 30_000 }),
      runtime: createFakeRuntime(),
      leadership,
      clock: systemClock,
      log: pino({ level: 'silent' }),
      ports: { allocate: async (taken) => (taken.has(++port) ? ++port : port) },
      config: { evaluationIntervalMs: 0, outcomeTimeoutMs: 60_000, stopGraceMs: 0, drainMs: 0 },
    }).pass;
    await pass.run();
    // As the health checker would: every instance up and passing its probe.
    await admin.query(
      `UPDATE instances SET status = 'running', health_status = 'healthy', ready_at = now()
        WHERE app_name LIKE 'scale-%'`,
    );
    // A minute of samples every 10 s (as ingest keeps it fresh between passes):
    // per-instance CPU (by app and replica, so both sides' databases hold the
    // same values), app-level rps and latency, and an hour of latency history.
    const fresh = async () => {
      await admin.query(
        "DELETE FROM metrics WHERE app_name LIKE 'scale-%' AND timestamp > now() - interval '70 seconds'",
      );
      await admin.query(
        `INSERT INTO metrics (app_name, instance_id, metric_type, timestamp, value, aggregation_level)
         SELECT app_name, id, 'cpu_percent', now() - make_interval(secs => s), 55 + (replica_index * 7 + substr(app_name, 7)::int) % 10, 'instance'
           FROM instances, generate_series(0, 50, 10) s WHERE app_name LIKE 'scale-%'`,
      );
      await admin.query(
        `INSERT INTO metrics (app_name, metric_type, timestamp, value, aggregation_level)
         SELECT name, t, now() - make_interval(secs => s), CASE t WHEN 'rps' THEN 200 ELSE 150 END, 'app'
           FROM applications, unnest(ARRAY['rps', 'latency_p95']) t, generate_series(0, 50, 10) s
          WHERE name LIKE 'scale-%'`,
      );
    };
    await admin.query(
      `INSERT INTO metrics (app_name, metric_type, timestamp, value, aggregation_level)
       SELECT name, 'latency_p95', now() - make_interval(secs => s), 140, 'app'
         FROM applications, generate_series(80, 3590, 10) s WHERE name LIKE 'scale-%'`,
    );
    await admin.query('ANALYZE metrics; ANALYZE instances; ANALYZE scaling_decisions');
    await fresh();
    await pass.run();
    return { pass, fresh, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * One control-loop pass (the production createControlPass) over `apps` apps
 * of `perApp` instances each, with a fake runtime and the real database:
 * every app in auto mode is evaluated on every pass (evaluation interval 0),
 * with per-instance CPU and app-level rps/latency in its window; the figure
 * is the steady-state passes after two warm-up ones. `baselineTree`: the
 * root of another checkout (e.g. `git archive main`, node_modules linked)
 * whose control pass runs alternately with ours (ABBA) on the same data in a
 * database of its own on the same server (each side's decision rows are its
 * own: one side's writes must not change what the other reads or skips), so
 * before/after is measured side by side in one run on a noisy machine.
 */
export async function controlScale(
  apps: number,
  perApp: number,
  passes: number,
  baselineTree?: string,
) {
  let counted: ReturnType<typeof countingPool> | undefined;
  const sides: Awaited<ReturnType<typeof prepareSide>>[] = [];
  try {
    const mine = await prepareSide(
      'autoserve_bench_control',
      apps,
      perApp,
      { createControlShell, createPgControlStore },
      (url) => {
        counted = countingPool(url);
        return counted.pool;
      },
    );
    sides.push(mine);
    const { count, kinds, times: spent } = counted!;
    const pass = mine.pass;
    // The baseline's pass gets a pool of its own: the statement counts are ours.
    const other = baselineTree
      ? await prepareSide(
          'autoserve_bench_control_base',
          apps,
          perApp,
          {
            ...((await import(
              `${baselineTree}/scaler-service/src/control/loop.ts`
            )) as PassModules),
            ...((await import(
              `${baselineTree}/scaler-service/src/control/pg-store.ts`
            )) as PassModules),
          },
          (url) => new pg.Pool({ connectionString: url, max: 4 }),
        )
      : undefined;
    if (other) sides.push(other);
    const fresh = async () => {
      for (const s of sides) await s.fresh();
    };
    const times: number[] = [];
    const otherTimes: number[] = [];
    const trips: number[] = [];
    for (let i = 0; i < passes; i++) {
      await fresh();
      if (i === 0) {
        kinds.clear();
        spent.clear();
      }
      // ABBA: neither side always runs right after the fresh samples.
      const order = other && i % 2 === 1 ? [other.pass, pass] : [pass, other?.pass];
      for (const p of order) {
        if (!p) continue;
        const before = count();
        const t = performance.now();
        await p.run();
        if (p === pass) {
          times.push(performance.now() - t);
          trips.push(count() - before);
        } else otherTimes.push(performance.now() - t);
      }
    }
    const ours = summary(times);
    return {
      apps,
      instancesPerApp: perApp,
      passes,
      passMs: ours,
      roundTripsPerApp: trips.reduce((a, b) => a + b, 0) / trips.length / apps,
      msPerPass: Object.fromEntries(
        [...spent].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v / passes)]),
      ),
      statementsPerApp: Object.fromEntries(
        [...kinds].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / passes / apps]),
      ),
      ...(baselineTree
        ? {
            baseline: {
              tree: baselineTree,
              passMs: summary(otherTimes),
              ratioP50: Math.round((summary(otherTimes).p50 / ours.p50) * 100) / 100,
            },
          }
        : {}),
    } satisfies ScaleFigure;
  } finally {
    for (const s of sides) await s.cleanup();
  }
}
