import type { Logger } from 'pino';
import type { Clock } from '../control/clock.js';
import { type PortAllocator, portFree } from '../control/ports.js';
import { type ControlStore, LeadershipLostError } from '../control/store.js';
import type { AppRow } from '../queries/apps.js';
import type { InstanceRow } from '../queries/instances.js';
import { crashCause } from '../runtime/docker-errors.js';
import { DIGEST } from '../runtime/image-ref.js';
import { ImagePullError } from '../runtime/pull-errors.js';
import { type Runtime, RuntimeError, type RuntimeInstance } from '../runtime/types.js';
import type { ImagePinner } from './image-pin.js';
import { instanceName, instanceSpec } from './spec.js';

export interface StepDeps {
  store: ControlStore;
  clock: Clock;
  runtime: Runtime;
  log: Logger;
  ports: PortAllocator;
  /** SIGTERM grace before SIGKILL when stopping an instance. */
  stopGraceMs: number;
  /** The image digest of the app's generation (image-pin.ts); unset: the spec's image as is. */
  pinImage?: ImagePinner;
}

/** A runtime failure that should put the app in error, with its cause. */
export interface StepFailure {
  failure: string;
  message: string;
}

/**
 * The classified failure events and instance rows carry. A RuntimeError's message is already
 * short and ours; any other error's text (database, engine, OS) stays in the log.
 */
export function failureOf(err: unknown): StepFailure {
  // A deposed leader stops: nothing more of its pass may be recorded, not even a failure.
  if (err instanceof LeadershipLostError) throw err;
  if (err instanceof RuntimeError) return { failure: err.failure, message: err.message };
  return { failure: 'other', message: 'internal error (see the Scaler log)' };
}

/**
 * Why an app's fixed port cannot be used now, naming what holds it: a live
 * instance (of another app, or a replica of this one), a container of the
 * runtime, or a foreign listener on the host.
 */
async function fixedPortConflict(
  deps: StepDeps,
  port: number,
  takenPorts: ReadonlySet<number>,
): Promise<StepFailure | undefined> {
  const conflict = (by: string) => ({
    failure: 'port_conflict',
    message: `fixed port ${port} is already in use by ${by}`,
  });
  const holder = await deps.store.maybeGetLivePortHolder(port);
  if (holder) return conflict(`instance ${holder.id} of app ${holder.app_name} (${holder.status})`);
  if (takenPorts.has(port)) return conflict('a container of the runtime');
  if (!(await portFree(port))) return conflict('another process on the host');
  return undefined;
}

/** Creates one instance: row first (pending), then the container, then its id. */
export async function createInstance(
  deps: StepDeps,
  app: AppRow,
  replicaIndex: number,
  takenPorts: Set<number>,
): Promise<StepFailure | undefined> {
  const fixed = app.spec.port > 0;
  // A fixed port is checked before the insert, so a conflict is reported on
  // the app instead of surfacing as a unique violation on every retry.
  const conflict = fixed ? await fixedPortConflict(deps, app.spec.port, takenPorts) : undefined;
  if (conflict) return conflict;
  const port = fixed ? app.spec.port : await deps.ports.allocate(takenPorts);
  if (port === undefined) {
    return { failure: 'port_in_use', message: 'no free port left in the configured range' };
  }
  takenPorts.add(port);
  const name = instanceName(app.name, replicaIndex);
  const row = await deps.store.act((tx) =>
    tx.maybeInsertInstanceOnFreePort({
      appName: app.name,
      runtime: deps.runtime.kind,
      containerId: `pending:${name}`,
      containerName: name,
      replicaIndex,
      appGeneration: app.generation,
      ip: '127.0.0.1',
      port,
      status: 'starting',
    }),
  );
  // Taken between the check and the insert (a replica created in parallel).
  if (!row)
    return {
      failure: 'port_conflict',
      message: `port ${port} was taken by another instance meanwhile`,
    };
  try {
    const pin = await deps.pinImage?.(app);
    const id = await deps.runtime.create(
      instanceSpec(app.name, app.spec, app.generation, replicaIndex, name, port, pin),
    );
    await deps.store.act(async (tx) => {
      await tx.setContainerId(row.id, id, new Date(deps.clock.now()));
      if (pin) await tx.setInstanceImageDigest(row.id, pin.digest);
      await tx.insertEvent({
        type: 'lifecycle',
        appName: app.name,
        containerId: id,
        message: `instance ${row.id} (${name}) started on 127.0.0.1:${port}`,
        details: {
          instance_id: row.id,
          replica_index: replicaIndex,
          port,
          runtime: deps.runtime.kind,
          ...(pin ? { image_digest: pin.digest } : {}),
        },
        source: 'reconciler',
      });
    });
    return undefined;
  } catch (err) {
    const f = failureOf(err);
    deps.log.warn(
      { err, detail: (err as RuntimeError).detail, app: app.name, instance: row.id },
      'instance could not start',
    );
    await deps.store.act(async (tx) => {
      await tx.updateInstance(row.id, { status: 'error', lastError: f.message });
      await tx.insertEvent({
        type: 'error',
        appName: app.name,
        message: `instance ${row.id} (${name}) could not start: ${f.message}`,
        details: {
          instance_id: row.id,
          failure: f.failure,
          port,
          ...(err instanceof ImagePullError ? { image: err.image, reason: err.reason } : {}),
        },
        severity: 'error',
        source: 'reconciler',
      });
    });
    return f;
  }
}

/** Records a running container found by label as an instance (after a Scaler crash). */
export async function adoptContainer(
  deps: StepDeps,
  app: AppRow,
  c: RuntimeInstance,
): Promise<void> {
  await deps.store.act(async (tx) => {
    const row = await tx.insertInstance({
      appName: app.name,
      runtime: deps.runtime.kind,
      containerId: c.id,
      containerName: c.name,
      replicaIndex: c.replicaIndex,
      appGeneration: c.generation,
      ip: '127.0.0.1',
      port: c.port,
      status: 'running',
      startedAt: c.startedAt ?? new Date(deps.clock.now()),
    });
    await tx.updateInstance(row.id, { healthStatus: 'starting' });
    // A label is anyone's to write: only a well-formed digest is taken.
    if (c.imageDigest && DIGEST.test(c.imageDigest)) {
      await tx.setInstanceImageDigest(row.id, c.imageDigest);
    }
    await tx.insertEvent({
      type: 'lifecycle',
      appName: app.name,
      containerId: c.id,
      message: `instance ${row.id} (${c.name}) adopted from the runtime`,
      details: { instance_id: row.id, replica_index: c.replicaIndex, port: c.port },
      source: 'reconciler',
    });
  });
}

/** Stops (SIGTERM, grace, SIGKILL) and removes a container, then deletes its row. */
export async function stopInstance(
  deps: StepDeps,
  row: InstanceRow,
  c: RuntimeInstance | undefined,
  reason: string,
): Promise<void> {
  if (c) {
    await deps.runtime.stop(c.id, deps.stopGraceMs);
    await deps.runtime.remove(c.id);
  }
  await deps.store.act(async (tx) => {
    if (!(await tx.deleteInstance(row.id))) return;
    await tx.insertEvent({
      type: 'lifecycle',
      appName: row.app_name,
      containerId: row.container_id,
      message: `instance ${row.id} (${row.container_name}) removed: ${reason}`,
      details: { instance_id: row.id, replica_index: row.replica_index, reason },
      source: 'reconciler',
    });
  });
}

/**
 * A container that exited (or vanished) under a live row: the row keeps the
 * exit code and the log tail's cause; a start failure stays as an error row
 * (retried after a back-off), a crash after service is replaced at once.
 */
export async function handleCrash(
  deps: StepDeps,
  row: InstanceRow,
  c: RuntimeInstance | undefined,
): Promise<StepFailure | undefined> {
  const tail = c ? await deps.runtime.logs(c.id, 5).catch(() => '') : '';
  const cause = crashCause(tail);
  const what = c ? `exited with code ${c.exitCode ?? 'unknown'}` : 'disappeared from the runtime';
  const lastLine = tail.trim().split('\n').at(-1) ?? '';
  const message = `${what}${cause ? ' (port in use)' : ''}${lastLine ? `: ${lastLine.slice(0, 300)}` : ''}`;
  if (c) await deps.runtime.remove(c.id);
  const beforeReady = !row.ready_at;
  await deps.store.act(async (tx) => {
    if (beforeReady) {
      await tx.updateInstance(row.id, {
        status: 'error',
        lastError: message,
        ...(c?.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      });
    } else {
      await tx.deleteInstance(row.id);
    }
    await tx.insertEvent({
      type: 'error',
      appName: row.app_name,
      containerId: row.container_id,
      message: `instance ${row.id} (${row.container_name}) ${message}`,
      details: {
        instance_id: row.id,
        exit_code: c?.exitCode ?? null,
        failure: cause ?? 'crashed',
        before_ready: beforeReady,
      },
      severity: 'error',
      source: 'reconciler',
    });
  });
  return beforeReady
    ? { failure: cause ?? 'crashed', message: `instance ${row.id} ${message}` }
    : undefined;
}

/** Takes a healthy extra out of the endpoint set; it is stopped after the drain period. */
export async function drainInstance(
  deps: StepDeps,
  row: InstanceRow,
  reason: string,
): Promise<void> {
  await deps.store.act(async (tx) => {
    await tx.updateInstance(row.id, {
      status: 'draining',
      drainingSince: new Date(deps.clock.now()),
    });
    await tx.insertEvent({
      type: 'lifecycle',
      appName: row.app_name,
      containerId: row.container_id,
      message: `instance ${row.id} (${row.container_name}) draining (${reason}): out of the endpoint set`,
      details: { instance_id: row.id, replica_index: row.replica_index, reason },
      source: 'reconciler',
    });
  });
}
