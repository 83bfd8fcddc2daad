import { timeControlLoop, withTx } from '@autoserve/runtime';
import type pg from 'pg';
import type { Logger } from 'pino';
import { createHealthChecker } from '../probes/checker.js';
import { listAppsByStatus } from '../queries/apps.js';
import { ACTIVE } from '../reconciler/plan.js';
import { createReconciler } from '../reconciler/reconcile.js';
import type { Runtime, RuntimeInstance } from '../runtime/types.js';
import { APP_STATUSES } from '../validation/lifecycle.js';
import { evaluateAndAct } from './autoscaler.js';
import type { ControlConfig } from './config.js';
import { pruneDecisions } from './db/decisions.js';
import { countAppInstances, listLivePorts } from './db/instance-extra.js';
import { markEngineDown } from './engine-down.js';
import { startLeaderElection } from './leader.js';
import { recordReplacement, settleOutcomes } from './outcomes.js';
import { createPortAllocator } from './ports.js';
import { sampleUsage } from './stats.js';

export interface ControlLoop {
  isLeader(): boolean;
  /** Stops the loops and releases leadership; instances keep running (a successor adopts them). */
  stop(): Promise<void>;
}

/** A periodic task that never overlaps itself and logs (never throws) failures. */
function every(ms: number, log: Logger, name: string, fn: () => Promise<void>) {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    const done = timeControlLoop(name);
    current = fn()
      .finally(done)
      .catch((err: unknown) => log.warn({ err, task: name }, 'control task failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(run, ms);
      });
  };
  timer = setTimeout(run, 0);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await current;
  };
}

/**
 * The Scaler's control loop: leader election, then (leader only) every
 * loop interval a level-triggered reconciliation of every app against the
 * runtime, the autoscaler's evaluation of auto-mode apps every evaluation
 * interval, outcome tracking of the remediation history; the health checker
 * and usage sampling on their own periods. A runtime failure is an app
 * status and an event, never a crash of the Scaler.
 */
export function startControlLoop(deps: {
  db: pg.Pool;
  leaderUrl: string;
  runtime: Runtime;
  config: ControlConfig;
  log: Logger;
}): ControlLoop {
  const { db, runtime, config } = deps;
  const log = deps.log.child({ component: 'control' });
  const leader = startLeaderElection({ url: deps.leaderUrl, log, retryMs: config.leaderRetryMs });
  const ports = createPortAllocator(config.portRange);
  const reconcile = createReconciler({
    db,
    runtime,
    log,
    ports,
    stopGraceMs: config.stopGraceMs,
    drainMs: config.drainMs,
    onReplace: (app, row, signal) =>
      withTx(db, {}, (tx) => recordReplacement(tx, app, row, signal)),
  });
  const checker = createHealthChecker({ db, log });
  const nextEval = new Map<string, number>();
  let engineDown = false;
  let lastPrune = 0;

  const tick = async () => {
    if (!leader.isLeader()) return;
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
    // Per-app state of deleted apps goes with them: these maps live as long as the process.
    for (const name of nextEval.keys()) if (!known.has(name)) nextEval.delete(name);
    reconcile.prune(known);
    for (const c of containers) {
      // Containers of apps that no longer exist (deleted while we were down).
      if (!known.has(c.appName)) await runtime.remove(c.id).catch(() => {});
    }
    const taken = new Set([...(await listLivePorts(db)), ...containers.map((c) => c.port)]);
    const now = Date.now();
    for (const app of apps) {
      if (!leader.isLeader()) return;
      const mine = containers.filter((c) => c.appName === app.name);
      let current = app;
      // Evaluate first, so a scale-out is carried out in this same tick.
      if (app.mode === 'auto' && ACTIVE.has(app.status) && now >= (nextEval.get(app.name) ?? 0)) {
        nextEval.set(app.name, now + config.evaluationIntervalMs);
        const d = await evaluateAndAct(db, app.name, Date.now());
        if (d && d.action !== 'none') current = { ...app, desired_replicas: d.desiredReplicas };
      }
      const obs = await reconcile(current, mine, taken);
      const total = await countAppInstances(db, app.name);
      await settleOutcomes(db, app, { ...obs, total }, config.outcomeTimeoutMs, Date.now());
    }
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      await pruneDecisions(db, new Date(now - 2 * 3_600_000));
    }
  };

  const stops = [
    every(config.loopIntervalMs, log, 'reconcile', tick),
    every(config.probeTickMs, log, 'health', async () => {
      if (leader.isLeader()) await checker.tick();
    }),
    every(config.statsIntervalMs, log, 'stats', async () => {
      if (leader.isLeader() && !engineDown) await sampleUsage(db, runtime, log);
    }),
  ];
  return {
    isLeader: () => leader.isLeader(),
    async stop() {
      await Promise.all(stops.map((s) => s()));
      await checker.drain();
      await leader.stop();
      await runtime.close();
    },
  };
}
