import { recordScalingDecision, withTx } from '@autoserve/runtime';
import type pg from 'pg';
import { evaluateWithHistory, horizonOf } from '../decision/history.js';
import type { Decision } from '../decision/types.js';
import type { AppRow } from '../queries/apps.js';
import type { Db } from '../queries/db.js';
import {
  type DetailsMemo,
  listHistoriesOfApps,
  type NonActing,
  upsertNonActingDecisions,
} from '../queries/decisions.js';
import { listEngineMetricsOfApps, listLatencyBaselinesOfApps } from '../queries/engine-metrics.js';
import type { InstanceState } from '../queries/instances.js';
import { listPoliciesOfApps } from '../queries/policies.js';
import {
  type ActOptions,
  baseFrom,
  decisionReason,
  evaluateAndAct,
  metricsRequest,
} from './autoscaler.js';
import { toEnginePolicy } from './policy.js';
import { settleAll } from './settle-all.js';

/**
 * The apps' latency baselines kept across passes: an hour-long minimum moves
 * slowly, so each is read again once it is a minute old (apps added over
 * time spread the refreshes over passes); one not known yet is read every
 * pass until it is.
 */
export function createBaselineCache(maxAgeMs = 60_000) {
  const kept = new Map<string, { value: number | null; at: number }>();
  const read = async (db: Db, names: readonly string[], now: number) => {
    // An app without a baseline yet (no latency in the last hour) is asked
    // again every pass: the first samples must switch the queue model on.
    const unknown = names.filter((n) => (kept.get(n)?.value ?? null) === null);
    // The aged ones, oldest first, at most a twelfth per pass: a minute's
    // refreshes spread over the passes instead of one pass reading them all.
    const aged = names
      .filter((n) => {
        const k = kept.get(n);
        return k !== undefined && k.value !== null && k.at <= now - maxAgeMs;
      })
      .sort((a, b) => kept.get(a)!.at - kept.get(b)!.at)
      .slice(0, Math.max(1, Math.ceil(names.length / 12)));
    const stale = [...unknown, ...aged];
    for (const [app, value] of await listLatencyBaselinesOfApps(db, stale)) {
      kept.set(app, { value, at: now });
    }
    return new Map(names.map((n) => [n, kept.get(n)?.value ?? null]));
  };
  /** Forgets deleted apps: the cache lives as long as the process. */
  const prune = (known: ReadonlySet<string>) => {
    for (const name of kept.keys()) if (!known.has(name)) kept.delete(name);
  };
  return Object.assign(read, { prune });
}

export type BaselineCache = ReturnType<typeof createBaselineCache>;

/**
 * Connections the metric windows of a pass are read on at once. The
 * control store's pool has 4: the instance listing, the histories and two
 * slices of the windows.
 */
const METRIC_LANES = 2;

/**
 * Evaluates many apps in a handful of statements, so a control pass costs
 * O(1) round trips for the autoscaler instead of ~9 per app: policies,
 * metric windows and histories are read for all apps at once, every app is
 * decided through the shared history module, and the evaluations that do not
 * act are recorded in one batch. An app whose decision acts is evaluated
 * again by evaluateAndAct, under its row lock in one transaction (the rare
 * case), so what is carried out never rests on the unlocked read.
 * `listed`: the apps' instances, possibly still being listed (only the
 * decisions wait for them); `details`: what earlier batches merged, so a
 * repeated decision's reasons and proposals are not sent again.
 */
export async function evaluateApps(
  pool: pg.Pool,
  apps: readonly AppRow[],
  listed:
    | ReadonlyMap<string, readonly InstanceState[]>
    | PromiseLike<ReadonlyMap<string, readonly InstanceState[]>>,
  now: number,
  baselines: BaselineCache = createBaselineCache(0),
  actOptions: ActOptions = {},
  details?: DetailsMemo,
): Promise<Map<string, Decision | undefined>> {
  const out = new Map<string, Decision | undefined>();
  if (apps.length === 0) return out;
  const names = apps.map((a) => a.name);
  // The policies first (a primary-key lookup, no JIT concern), then the
  // metric windows in METRIC_LANES slices and the histories, each in a
  // read-only transaction of its own on its own connection, side by side:
  // each statement has its own snapshot either way (READ COMMITTED), and the
  // database works on the slices in parallel while this side waits. JIT off:
  // a thousand apps' cheap per-app index probes add up to a plan cost over
  // jit_above_cost, and compiling took longer than running (1-2 s a pass).
  const stored = await listPoliciesOfApps(pool, names);
  const policies = new Map(apps.map((a) => [a.name, toEnginePolicy(stored.get(a.name))]));
  const readOnly = { readOnly: true, settings: { jit: 'off' } } as const;
  const size = Math.ceil(apps.length / METRIC_LANES);
  const slices = Array.from({ length: Math.ceil(apps.length / size) }, (_, i) =>
    apps.slice(i * size, (i + 1) * size),
  );
  const [histories, ...windows] = await settleAll([
    withTx(pool, readOnly, (db) =>
      listHistoriesOfApps(
        db,
        apps.map((a) => ({
          appName: a.name,
          ...horizonOf(policies.get(a.name)!, now),
        })),
      ),
    ),
    ...slices.map((slice) =>
      withTx(pool, readOnly, async (db) =>
        listEngineMetricsOfApps(
          db,
          slice.map((a) => metricsRequest(a.name, policies.get(a.name)!)),
          await baselines(
            db,
            slice.map((a) => a.name),
            now,
          ),
        ),
      ),
    ),
  ]);
  const metrics = new Map(windows.flatMap((w) => [...w]));
  const rowsByApp = await listed;
  const quiet: NonActing[] = [];
  const acting: string[] = [];
  for (const app of apps) {
    const policy = policies.get(app.name)!;
    const base = baseFrom(app, policy, rowsByApp.get(app.name) ?? [], metrics.get(app.name)!, now);
    const h = histories.get(app.name)!;
    const lastScaledAt = app.last_scaled_at?.getTime();
    const view = {
      recommendations: h.recommendations,
      scaleEvents: h.scaleEvents,
      started: h.started,
      ...(lastScaledAt === undefined ? {} : { lastScaledAt }),
    };
    const { decision, writes, acted } = evaluateWithHistory(view, base, app.mode === 'auto');
    if (acted) {
      acting.push(app.name);
      continue;
    }
    recordScalingDecision(decision.action, decisionReason(decision));
    quiet.push({ decision, seed: writes.seed, latest: h.latest });
    out.set(app.name, decision);
  }
  await upsertNonActingDecisions(pool, quiet, details);
  for (const name of acting) out.set(name, await evaluateAndAct(pool, name, now, actOptions));
  return out;
}
