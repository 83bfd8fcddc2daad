/**
 * The pieces every chaos phase shares: service processes, waiting, one fault
 * under load with its figures, and the acked-batch check against Postgres.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type pg from 'pg';
import { REPO } from '../test/support/cluster.js';
import { type startLoad, summarize } from './support/chaos-load.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Proc {
  child: ChildProcess;
  out: () => string;
  port: number;
}

/** A built service (`dist/main.js`) as a child process, its output kept for the log checks. */
export function spawnService(
  service: 'scaler' | 'context',
  env: NodeJS.ProcessEnv,
  port: number,
): Proc {
  const child = spawn(process.execPath, [`${REPO}/${service}-service/dist/main.js`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, out: () => out, port };
}

export async function until(what: string, check: () => Promise<boolean> | boolean, ms: number) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * Half a phase of load, the fault, a phase, the repair (if any), a phase; then the figures:
 * failed calls by code and the longest gap per RPC, when answers stopped failing or being
 * flagged degraded, whether the app runs again, orphans left.
 */
export async function runFault(o: {
  name: string;
  phaseMs: number;
  load: ReturnType<typeof startLoad>;
  inject: () => Promise<void>;
  repair?: () => Promise<void>;
  appRunning: () => Promise<boolean>;
  orphans: () => Promise<number>;
  /** Key of the orphan count in the record (processes or containers). */
  orphansKey?: string;
}): Promise<Record<string, unknown>> {
  await sleep(o.phaseMs / 2);
  const injectAt = Date.now();
  // The app's state every 250 ms from the fault on: was it down, and when was it back.
  const app: { at: number; running: boolean }[] = [];
  let watching = true;
  const watch = (async () => {
    while (watching) {
      app.push({ at: Date.now(), running: await o.appRunning().catch(() => false) });
      await sleep(250);
    }
  })();
  await o.inject();
  await sleep(o.phaseMs);
  if (o.repair) await o.repair();
  const repairedAt = Date.now();
  await sleep(o.phaseMs);
  const end = Date.now();
  // Converged when no answer failed or was flagged degraded any more.
  const lastBad = o.load.answers
    .filter((x) => x.at >= injectAt && (x.code !== 'OK' || x.degraded))
    .reduce((t, x) => Math.max(t, x.at), injectAt);
  await until('the app running again', o.appRunning, 60_000).catch(() => {});
  watching = false;
  await watch;
  const lastDown = app.filter((x) => !x.running).at(-1);
  const record = {
    fault: o.name,
    rpcs: summarize(o.load.answers, injectAt, end),
    degraded_while_faulty: summarize(o.load.answers, injectAt, repairedAt),
    repaired_after_ms: repairedAt - injectAt,
    last_failed_or_degraded_answer_ms: lastBad - injectAt,
    converged_ms_after_repair: Math.max(0, lastBad - repairedAt),
    app_running_after: await o.appRunning(),
    app_down_for_ms: app.filter((x) => !x.running).length * 250,
    // Running (with its healthy replicas) for good from this long after the fault on.
    app_back_ms_after_fault: lastDown ? lastDown.at + 250 - injectAt : 0,
    [o.orphansKey ?? 'orphan_processes']: await o.orphans(),
  };
  process.stdout.write(`${JSON.stringify(record)}\n`);
  return record;
}

/** Acked batch ids whose rows are not all in the metrics table (must be none). */
export async function lostBatches(
  owned: pg.Pool,
  app: string,
  acked: ReadonlySet<string>,
  batch: number,
): Promise<string[]> {
  const stored = new Map(
    (
      await owned.query<{ b: string; n: number }>(
        `SELECT labels->>'b' AS b, count(*)::int AS n FROM metrics WHERE app_name = $1 GROUP BY 1`,
        [app],
      )
    ).rows.map((r) => [r.b, r.n]),
  );
  return [...acked].filter((x) => stored.get(x) !== batch);
}
