import { timeControlLoop } from '@autoserve/runtime';
import type { Logger } from 'pino';
import { createReconciler } from '../reconciler/reconcile.js';
import type { Runtime } from '../runtime/types.js';
import type { Clock } from './clock.js';
import type { ControlConfig } from './config.js';
import type { Leadership } from './leader.js';
import { recordReplacement } from './outcomes.js';
import { createControlPass } from './pass.js';
import type { PortAllocator } from './ports.js';
import type { ControlStore } from './store.js';

export interface ControlLoop {
  isLeader(): boolean;
  /** Stops the loops and releases leadership; instances keep running (a successor adopts them). */
  stop(): Promise<void>;
}

/** What the control loop's shell runs on: every piece of I/O and time, injected. */
export interface ControlShellDeps {
  store: ControlStore;
  runtime: Runtime;
  leadership: Leadership;
  clock: Clock;
  ports: PortAllocator;
  config: Pick<
    ControlConfig,
    'evaluationIntervalMs' | 'outcomeTimeoutMs' | 'stopGraceMs' | 'drainMs'
  >;
  log: Logger;
}

/**
 * The reconciler and the control pass over injected dependencies, as the
 * loop runs them on its timers and a unit test runs them pass by pass
 * against a fake store, runtime, clock and leadership.
 */
export function createControlShell(deps: ControlShellDeps) {
  const { store, runtime, leadership, clock, ports, config, log } = deps;
  const reconcile = createReconciler({
    store,
    runtime,
    log,
    ports,
    clock,
    stopGraceMs: config.stopGraceMs,
    drainMs: config.drainMs,
    onReplace: recordReplacement,
  });
  const pass = createControlPass({ store, runtime, log, config, reconcile, leadership, clock });
  return { reconcile, pass };
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

/** A leader-only task of the loop besides the pass (health checks, usage sampling). */
export interface ControlTask {
  name: string;
  everyMs: number;
  run(engineDown: boolean): Promise<void>;
}

/**
 * The Scaler's control loop: (leader only) every loop interval a
 * level-triggered reconciliation of every app against the runtime, the
 * autoscaler's evaluation of auto-mode apps every evaluation interval,
 * outcome tracking of the remediation history; further tasks on their own
 * periods. A runtime failure is an app status and an event, never a crash.
 */
export function createControlLoop(
  deps: ControlShellDeps & {
    loopIntervalMs: number;
    tasks: readonly ControlTask[];
    /** Releases what the wiring opened (leadership, pools), after the tasks stopped. */
    close(): Promise<void>;
  },
): ControlLoop {
  const log = deps.log;
  const { pass } = createControlShell(deps);
  const stops = [
    every(deps.loopIntervalMs, log, 'reconcile', pass.run),
    ...deps.tasks.map((t) =>
      every(t.everyMs, log, t.name, async () => {
        if (deps.leadership.isLeader()) await t.run(pass.engineDown());
      }),
    ),
  ];
  return {
    isLeader: () => deps.leadership.isLeader(),
    async stop() {
      await Promise.all(stops.map((s) => s()));
      await deps.close();
      await deps.runtime.close();
    },
  };
}
