import type pg from 'pg';
import type { Logger } from 'pino';
import { type AppRow, listAppsByStatus } from '../queries/apps.js';
import { ACTIVE } from '../reconciler/plan.js';
import type { createReconciler } from '../reconciler/reconcile.js';
import type { Runtime, RuntimeInstance } from '../runtime/types.js';
import { APP_STATUSES } from '../validation/lifecycle.js';
import { evaluateAndAct } from './autoscaler.js';
import type { ControlConfig } from './config.js';
import { pruneDecisions } from './db/decisions.js';
import { countAppInstances, listLivePorts } from './db/instance-extra.js';
import { markEngineDown } from './engine-down.js';
import { settleOutcomes } from './outcomes.js';

/**
 * One pass of the control loop over every app, as a factory so the loop
 * runs it on its timer and the control bench runs it against a fake runtime
 * and a real database: list the runtime once, then per app evaluate (auto
 * mode, when due), reconcile and settle outcomes; prune old decisions once a
 * minute. Keeps the per-app evaluation schedule and the engine-down state
 * between passes.
 */
export function createControlPass(deps: {
  db: pg.Pool;
  runtime: Runtime;
  log: Logger;
  config: Pick<ControlConfig, 'evaluationIntervalMs' | 'outcomeTimeoutMs'>;
  reconcile: ReturnType<typeof createReconciler>;
  isLeader: () => boolean;
}): { run(): Promise<void>; engineDown(): boolean } {
  const { db, runtime, log, config, reconcile, isLeader } = deps;
  const nextEval = new Map<string, number>();
  let engineDown = false;
  let lastPrune = 0;

  const run = async () => {
    if (!isLeader()) return;
    let containers: RuntimeInstance[];
    try {
      containers = await runtime.list();
    } catch (err) {
      if (!engineDown) {
        engineDown = true;
        log.error({ err: (err as Error).message }, 'runtime unreachable');
        await markEngineDown(db, err);
      }
      return;
    }
    if (engineDown) log.info('runtime answers again');
    engineDown = false;
    const apps = await listAppsByStatus(db, [...APP_STATUSES]);
    const known = new Set(apps.map((a) => a.name));
    const byApp = new Map<string, RuntimeInstance[]>();
    for (const c of containers) {
      // Containers of apps that no longer exist (deleted while we were down).
      if (!known.has(c.appName)) await runtime.remove(c.id).catch(() => {});
      else byApp.set(c.appName, [...(byApp.get(c.appName) ?? []), c]);
    }
    const taken = new Set([...(await listLivePorts(db)), ...containers.map((c) => c.port)]);
    const now = Date.now();
    for (const app of apps) {
      if (!isLeader()) return;
      let current: AppRow = app;
      // Evaluate first, so a scale-out is carried out in this same pass.
      if (app.mode === 'auto' && ACTIVE.has(app.status) && now >= (nextEval.get(app.name) ?? 0)) {
        nextEval.set(app.name, now + config.evaluationIntervalMs);
        const d = await evaluateAndAct(db, app.name, Date.now());
        if (d && d.action !== 'none') current = { ...app, desired_replicas: d.desiredReplicas };
      }
      const obs = await reconcile(current, byApp.get(app.name) ?? [], taken);
      const total = await countAppInstances(db, app.name);
      await settleOutcomes(db, app, { ...obs, total }, config.outcomeTimeoutMs, Date.now());
    }
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      await pruneDecisions(db, new Date(now - 2 * 3_600_000));
    }
  };
  return { run, engineDown: () => engineDown };
}
