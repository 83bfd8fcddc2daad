import { isLiveInstance } from '@autoserve/runtime/model';
import type { ControlTx } from '../control/store.js';
import type { AppRow } from '../queries/apps.js';
import type { InstanceRow } from '../queries/instances.js';
import type { RuntimeInstance } from '../runtime/types.js';
import { canTransition } from '../validation/lifecycle.js';
import { createImagePinner } from './image-pin.js';
import { ACTIVE, isOutdated, planApp, planAppOf } from './plan.js';
import {
  adoptContainer,
  createInstance,
  drainInstance,
  failureOf,
  handleCrash,
  type StepDeps,
  type StepFailure,
  stopInstance,
} from './steps.js';

export interface ReconcileDeps extends StepDeps {
  drainMs: number;
  /** Records a serving instance's removal for replacement (remediation history), in its own act. */
  onReplace?: (tx: ControlTx, app: AppRow, row: InstanceRow, signal: string) => Promise<void>;
}

/** Consecutive start failures per app, for the retry back-off (reset by a healthy fleet). */
const BACKOFF_BASE_MS = 2000;
const BACKOFF_MAX_MS = 60_000;

/** The wait before attempt n + 1 after n consecutive failures (doubling, capped). */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (Math.max(1, failures) - 1));
}

/** What one reconciliation saw, for the outcome tracker and the caller. */
export interface AppObservation {
  live: number;
  healthy: number;
  failure: StepFailure | undefined;
}

/**
 * Reconciles one app: runs the plan's steps (each its own small transaction,
 * so a failure of one never undoes another), then brings the app's replica
 * count and status in line with what runs: starting/updating -> running once
 * the desired replicas are healthy, error (with an event naming the cause)
 * when the runtime cannot start an instance, stopping -> stopped and
 * deleting -> gone once nothing runs.
 */
export function createReconciler(deps: ReconcileDeps) {
  const failures = new Map<string, number>();
  const retryAt = (row: InstanceRow) =>
    row.updated_at.getTime() + backoffMs(failures.get(row.app_name) ?? 1);
  const stepDeps = { ...deps, pinImage: deps.pinImage ?? createImagePinner(deps) };

  async function reconcileApp(
    app: AppRow,
    containers: readonly RuntimeInstance[],
    takenPorts: Set<number>,
  ): Promise<AppObservation> {
    const replaced = (row: InstanceRow, signal: string) =>
      deps.onReplace && deps.store.act((tx) => deps.onReplace!(tx, app, row, signal));
    const rows = await deps.store.listAppInstances(app.name);
    const steps = planApp({
      app: planAppOf(app),
      rows,
      containers,
      now: deps.clock.now(),
      drainMs: deps.drainMs,
      retryAt,
    });
    let failure: StepFailure | undefined;
    // Creations run in parallel (each waits on the engine); everything else in order first.
    const creates = steps.filter((s) => s.kind === 'create');
    for (const step of steps) {
      try {
        switch (step.kind) {
          case 'create':
            break;
          case 'adopt':
            await adoptContainer(deps, app, step.container);
            break;
          case 'remove-container':
            await deps.runtime.remove(step.container.id);
            deps.log.info(
              { app: app.name, container: step.container.name, reason: step.reason },
              'container removed',
            );
            break;
          case 'crashed': {
            const f = await handleCrash(deps, step.row, step.container);
            if (f) failure = f;
            else await replaced(step.row, 'InstanceCrashed');
            break;
          }
          case 'replace-unhealthy':
            await stopInstance(
              deps,
              step.row,
              step.container,
              'failed its health checks: replaced',
            );
            await replaced(step.row, 'InstanceUnhealthy');
            break;
          case 'drop-row':
            await deps.store.act((tx) => tx.deleteInstance(step.row.id));
            break;
          case 'drain':
            await drainInstance(deps, step.row, step.reason);
            break;
          case 'stop':
            await stopInstance(deps, step.row, step.container, step.reason);
            break;
        }
      } catch (err) {
        deps.log.warn(
          { err, detail: (err as { detail?: string }).detail, app: app.name, step: step.kind },
          'reconcile step failed',
        );
        failure = failureOf(err);
      }
    }
    const created = await Promise.all(
      creates.map((c) =>
        createInstance(stepDeps, app, c.replicaIndex, takenPorts).catch((err: unknown) => {
          deps.log.warn({ err, app: app.name }, 'instance creation failed');
          return failureOf(err);
        }),
      ),
    );
    failure = created.find((f) => f !== undefined) ?? failure;
    if (failure) failures.set(app.name, (failures.get(app.name) ?? 0) + 1);
    if (failure?.failure === 'image_pull')
      await recordPullBackoff(deps, app, failures.get(app.name)!);
    return settleApp(deps, app, containers, failure, () => failures.delete(app.name));
  }
  return Object.assign(reconcileApp, {
    /** Forgets apps that no longer exist (per-app state must not grow with every name ever seen). */
    prune(known: ReadonlySet<string>): void {
      for (const name of failures.keys()) if (!known.has(name)) failures.delete(name);
    },
    /** Apps with failure state held (for tests). */
    tracked: () => failures.size,
  });
}

/** Like Kubernetes' ImagePullBackOff: says when the pull is tried again. */
async function recordPullBackoff(deps: ReconcileDeps, app: AppRow, attempt: number): Promise<void> {
  const wait = backoffMs(attempt);
  await deps.store.act((tx) =>
    tx.insertEvent({
      type: 'warning',
      appName: app.name,
      message: `back-off pulling image ${app.spec.image} for app ${app.name}: next attempt in ${wait / 1000} s (failure ${attempt})`,
      details: {
        image: app.spec.image,
        attempt,
        backoff_ms: wait,
        generation: Number(app.generation),
      },
      severity: 'warning',
      source: 'reconciler',
    }),
  );
}

async function settleApp(
  deps: ReconcileDeps,
  app: AppRow,
  containers: readonly RuntimeInstance[],
  failure: StepFailure | undefined,
  resetFailures: () => void,
): Promise<AppObservation> {
  const rows = await deps.store.listAppInstances(app.name);
  const liveRows = rows.filter(isLiveInstance);
  const healthy = liveRows.filter(
    (r) => r.status === 'running' && r.health_status === 'healthy',
  ).length;
  const errors = rows.some((r) => r.status === 'error');
  const obs = { live: liveRows.length, healthy, failure };
  await deps.store.act(async (tx) => {
    const cur = await tx.maybeGetApp(app.name, true);
    if (!cur) return;
    if (cur.replicas !== liveRows.length && cur.status !== 'deleting') {
      await tx.updateApp(app.name, { replicas: liveRows.length });
    }
    const desired = ACTIVE.has(cur.status) ? cur.desired_replicas : 0;
    if (failure && ACTIVE.has(cur.status) && cur.status !== 'error') {
      await tx.transitionApp(app.name, 'error', {
        source: 'reconciler',
        message: `app ${app.name}: ${cur.status} -> error: ${failure.message}`,
        details: { failure: failure.failure, cause: failure.message },
      });
      return;
    }
    // An update is done when no live instance still runs an older spec.
    const rolled = !liveRows.some((r) => isOutdated(r, BigInt(cur.generation)));
    const settled =
      rolled && healthy >= desired && liveRows.length === desired && !errors && !failure;
    if (settled) resetFailures();
    if (settled && (cur.status === 'starting' || cur.status === 'updating')) {
      await tx.transitionApp(app.name, 'running', { source: 'reconciler' });
    } else if (settled && cur.status === 'error' && desired > 0) {
      await tx.transitionApp(app.name, 'updating', {
        source: 'reconciler',
        message: `app ${app.name}: recovered, ${healthy} healthy instance(s)`,
      });
      await tx.transitionApp(app.name, 'running', { source: 'reconciler' });
    } else if (rows.length === 0 && containers.length === 0) {
      if (cur.status === 'stopping' && canTransition('stopping', 'stopped')) {
        await tx.transitionApp(app.name, 'stopped', { source: 'reconciler' });
      } else if (cur.status === 'deleting' && (await tx.deleteDeletingApp(app.name))) {
        await tx.insertEvent({
          type: 'lifecycle',
          appName: app.name,
          message: `app ${app.name} deleted: its instances are gone`,
          details: { to: 'deleted' },
          source: 'reconciler',
        });
      }
    }
  });
  return obs;
}
