import { timeControlLoop, withTx } from '@autoserve/runtime';
import type pg from 'pg';
import type { Logger } from 'pino';
import { createHealthChecker } from '../probes/checker.js';
import { createReconciler } from '../reconciler/reconcile.js';
import type { Runtime } from '../runtime/types.js';
import type { ControlConfig } from './config.js';
import { startLeaderElection } from './leader.js';
import { recordReplacement } from './outcomes.js';
import { createControlPass } from './pass.js';
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
  const pass = createControlPass({
    db,
    runtime,
    log,
    config,
    reconcile,
    isLeader: () => leader.isLeader(),
  });

  const stops = [
    every(config.loopIntervalMs, log, 'reconcile', pass.run),
    every(config.probeTickMs, log, 'health', async () => {
      if (leader.isLeader()) await checker.tick();
    }),
    every(config.statsIntervalMs, log, 'stats', async () => {
      if (leader.isLeader() && !pass.engineDown()) await sampleUsage(db, runtime, log);
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
