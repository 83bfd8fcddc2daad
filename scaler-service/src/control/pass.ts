import { isLiveInstance } from '@autoserve/runtime/model';
import type { Logger } from 'pino';
import type { AppRow } from '../queries/apps.js';
import type { InstanceState } from '../queries/instances.js';
import { ACTIVE, planApp, planAppOf } from '../reconciler/plan.js';
import type { createReconciler } from '../reconciler/reconcile.js';
import type { Runtime, RuntimeInstance } from '../runtime/types.js';
import { APP_STATUSES } from '../validation/lifecycle.js';
import type { Clock } from './clock.js';
import type { ControlConfig } from './config.js';
import { markEngineDown } from './engine-down.js';
import type { Leadership } from './leader.js';
import { settleOutcomes } from './outcomes.js';
import { settleAll } from './settle-all.js';
import { type ControlStore, LeadershipLostError } from './store.js';

/**
 * True when reconciling the app would change nothing: it is running, the
 * plan (with every back-off treated as expired, so anything waiting counts
 * as work) has no step, and its replica count matches the live instances.
 * The full reconcile then only reads; skipping it is what lets one pass over
 * a thousand quiet apps cost a few statements.
 */
function settled(
  app: AppRow,
  rows: InstanceState[],
  containers: RuntimeInstance[],
  now: number,
): boolean {
  if (app.status !== 'running') return false;
  const steps = planApp({
    app: planAppOf(app),
    rows,
    containers,
    now,
    drainMs: 0,
    retryAt: () => 0,
  });
  if (steps.length > 0) return false;
  const live = rows.filter(isLiveInstance);
  return app.replicas === live.length && live.length === app.desired_replicas;
}

/**
 * One pass of the control loop over every app, as a factory so the loop
 * runs it on its timer and the control bench runs it against a fake runtime
 * and a real database: list the runtime once, then per app evaluate (auto
 * mode, when due), reconcile and settle outcomes; prune old decisions once a
 * minute. Keeps the per-app evaluation schedule and the engine-down state
 * between passes.
 */
export function createControlPass(deps: {
  store: ControlStore;
  runtime: Runtime;
  log: Logger;
  config: Pick<ControlConfig, 'evaluationIntervalMs' | 'outcomeTimeoutMs'>;
  reconcile: ReturnType<typeof createReconciler>;
  leadership: Pick<Leadership, 'isLeader'>;
  clock: Clock;
}): { run(): Promise<void>; engineDown(): boolean } {
  const { store, runtime, log, config, reconcile, clock } = deps;
  const isLeader = () => deps.leadership.isLeader();
  const nextEval = new Map<string, number>();
  let engineDown = false;
  let lastPrune = 0;

  const run = () =>
    pass().catch((err: unknown) => {
      // Deposed mid-pass (the fencing check refused an act): stop; the new leader carries on.
      if (!(err instanceof LeadershipLostError)) throw err;
      log.warn({ err: err.message }, 'leadership lost mid-pass: stopped acting');
    });

  const pass = async () => {
    if (!isLeader()) return;
    let containers: RuntimeInstance[];
    try {
      containers = await runtime.list();
    } catch (err) {
      if (!engineDown) {
        engineDown = true;
        log.error({ err: (err as Error).message }, 'runtime unreachable');
        await markEngineDown(store, err);
      }
      return;
    }
    if (engineDown) log.info('runtime answers again');
    engineDown = false;
    const apps = await store.listAppsByStatus([...APP_STATUSES]);
    const known = new Set(apps.map((a) => a.name));
    // Per-app state of deleted apps goes with them: these maps live as long as the process.
    for (const name of nextEval.keys()) if (!known.has(name)) nextEval.delete(name);
    reconcile.prune(known);
    store.forget(known);
    const byApp = new Map<string, RuntimeInstance[]>();
    for (const c of containers) {
      // Containers of apps that no longer exist (deleted while we were down).
      if (!known.has(c.appName)) await runtime.remove(c.id).catch(() => {});
      else byApp.set(c.appName, [...(byApp.get(c.appName) ?? []), c]);
    }
    const names = apps.map((a) => a.name);
    const now = clock.now();
    const due = apps.filter(
      (a) => a.mode === 'auto' && ACTIVE.has(a.status) && now >= (nextEval.get(a.name) ?? 0),
    );
    for (const a of due) nextEval.set(a.name, now + config.evaluationIntervalMs);
    // Two lanes on two connections: the instance listing (thousands of rows
    // parsed here) and the small reads after it, beside the evaluation, whose
    // reads run while this side parses and which waits for the listing only
    // where it needs the rows. Evaluate first, so a scale-out is carried out
    // in this same pass. The listing is awaited first in its lane, so its
    // rejection is always handled.
    const listed = store.listInstancesOfApps(names);
    const [[rowsByApp, live, pending], decisions] = await settleAll([
      (async () =>
        [
          await listed,
          await store.listLivePorts(),
          await store.listAppsWithPendingActions(names),
        ] as const)(),
      store.evaluateApps(due, listed, now),
    ]);
    const taken = new Set([...live, ...containers.map((c) => c.port)]);
    for (const app of apps) {
      if (!isLeader()) return;
      const d = decisions.get(app.name);
      const current: AppRow =
        d && d.action !== 'none' ? { ...app, desired_replicas: d.desiredReplicas } : app;
      const mine = byApp.get(app.name) ?? [];
      const rows = rowsByApp.get(app.name) ?? [];
      // A settled app with nothing to do costs no further round trip.
      if (!pending.has(app.name) && settled(current, rows, mine, now)) continue;
      const obs = await reconcile(current, mine, taken);
      const total = await store.countAppInstances(app.name);
      await settleOutcomes(store, app, { ...obs, total }, config.outcomeTimeoutMs, clock.now());
    }
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      await store.pruneDecisions(new Date(now - 2 * 3_600_000));
    }
  };
  return { run, engineDown: () => engineDown };
}
