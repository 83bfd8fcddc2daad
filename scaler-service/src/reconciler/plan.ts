import { isLiveInstance } from '@autoserve/runtime/model';
import type { AppRow } from '../queries/apps.js';
import type { InstanceRow, InstanceState } from '../queries/instances.js';
import type { RuntimeInstance } from '../runtime/types.js';

/** App statuses whose instances should run. */
export const ACTIVE = new Set(['starting', 'running', 'updating', 'error']);

/** R: the rows planned from (full rows in the reconciler, their state in the control pass). */
export interface PlanInput<R extends InstanceState = InstanceRow> {
  /** generation: the spec version instances should run (int8 as text). */
  app: { name: string; status: string; desiredReplicas: number; generation: string };
  rows: readonly R[];
  /** The app's instances in the runtime (by label). */
  containers: readonly RuntimeInstance[];
  now: number;
  drainMs: number;
  /** When an errored row may be cleared for another attempt. */
  retryAt: (row: R) => number;
}

export type Step<R extends InstanceState = InstanceRow> =
  | { kind: 'adopt'; container: RuntimeInstance }
  | { kind: 'remove-container'; container: RuntimeInstance; reason: string }
  | { kind: 'crashed'; row: R; container: RuntimeInstance | undefined }
  | { kind: 'replace-unhealthy'; row: R; container: RuntimeInstance }
  | { kind: 'drop-row'; row: R; reason: string }
  | { kind: 'drain'; row: R; reason: string }
  | { kind: 'stop'; row: R; container: RuntimeInstance | undefined; reason: string }
  | { kind: 'create'; replicaIndex: number };

/** Made from an older spec than the app's; no recorded generation counts as current. */
export function isOutdated(
  row: Pick<InstanceState, 'app_generation'>,
  generation: bigint,
): boolean {
  return row.app_generation !== null && BigInt(row.app_generation) < generation;
}

function isPending(row: InstanceState): boolean {
  return row.container_id.startsWith('pending:');
}

/**
 * One level-triggered reconciliation of an app, as a list of steps: it looks
 * only at what is (rows, containers) and what should be (desired replicas),
 * never at what happened before, so it converges from any state: after a
 * crash of the Scaler mid-operation (containers without rows are adopted,
 * rows without containers are dropped and replaced), after an engine
 * restart (exited containers are crashes), and on a normal scale. Pure.
 *
 * A spec change rolls like a Kubernetes Deployment with maxSurge 1 and
 * maxUnavailable 0: one instance of the new generation is added, and an old
 * one is retired only while the healthy count stays at least the desired
 * count. A new spec that never turns healthy leaves the old instances serving.
 */
/** The part of an app row the plan reads (the reconciler and the control pass plan alike). */
export function planAppOf(app: AppRow): PlanInput['app'] {
  return {
    name: app.name,
    status: app.status,
    desiredReplicas: app.desired_replicas,
    generation: app.generation,
  };
}

export function planApp<R extends InstanceState = InstanceRow>(input: PlanInput<R>): Step<R>[] {
  const { app, now } = input;
  const active = ACTIVE.has(app.status);
  const desired = active ? app.desiredReplicas : 0;
  const steps: Step<R>[] = [];
  const byId = new Map(input.containers.map((c) => [c.id, c]));
  const byName = new Map(input.containers.map((c) => [c.name, c]));
  const matched = new Set<string>();
  const containerOf = (row: R) => {
    const c = isPending(row) ? byName.get(row.container_name) : byId.get(row.container_id);
    if (c) matched.add(c.id);
    return c;
  };

  const live: R[] = [];
  let waiting = 0;
  const usedIndexes = new Set<number>();
  for (const row of input.rows) {
    usedIndexes.add(row.replica_index);
    const c = containerOf(row);
    if (row.status === 'error' || row.status === 'stopped') {
      if (c)
        steps.push({
          kind: 'remove-container',
          container: c,
          reason: `instance ${row.id} ${row.status}`,
        });
      if (!active || now >= input.retryAt(row))
        steps.push({ kind: 'drop-row', row, reason: 'retry' });
      else waiting++;
      continue;
    }
    if (row.status === 'draining' || row.status === 'stopping' || row.draining_since) {
      const since = row.draining_since?.getTime() ?? 0;
      if (!c || c.state === 'exited' || now - since >= input.drainMs) {
        steps.push({ kind: 'stop', row, container: c, reason: 'drained' });
      }
      continue;
    }
    if (!c) {
      // Pending rows without a container: a creation interrupted by a crash.
      if (isPending(row)) steps.push({ kind: 'drop-row', row, reason: 'creation interrupted' });
      else {
        steps.push({ kind: 'crashed', row, container: undefined });
        if (!row.ready_at) waiting++;
      }
      continue;
    }
    if (c.state === 'exited') {
      steps.push({ kind: 'crashed', row, container: c });
      // A start failure is retried after a back-off; a crash after service at once.
      if (!row.ready_at) waiting++;
      continue;
    }
    if (row.health_status === 'unhealthy') {
      steps.push({ kind: 'replace-unhealthy', row, container: c });
      continue;
    }
    // Draining rows were handled above, so this is the shared live-instance predicate.
    if (isLiveInstance(row)) live.push(row);
  }

  let adopted = 0;
  for (const c of input.containers) {
    if (matched.has(c.id)) continue;
    if (active && c.state !== 'exited' && !usedIndexes.has(c.replicaIndex) && c.replicaIndex >= 0) {
      usedIndexes.add(c.replicaIndex);
      steps.push({ kind: 'adopt', container: c });
      adopted++;
    } else {
      steps.push({ kind: 'remove-container', container: c, reason: 'not in the instances table' });
    }
  }

  const generation = BigInt(app.generation);
  const outdated = live.filter((r) => isOutdated(r, generation)).length;
  const rolling = outdated > 0 && desired > 0;
  const target = desired + (rolling ? 1 : 0);
  const healthy = live.filter((r) => r.health_status === 'healthy').length;
  const retire = rolling ? Math.min(outdated, Math.max(0, healthy - desired)) : 0;
  const excess = Math.max(live.length + adopted - target, retire);
  if (excess > 0) {
    // Unhealthy ones were replaced above. Old generations go first, then not
    // ready, then newest (ids follow insertion).
    const real = [...live];
    real.sort(
      (a, b) =>
        Number(isOutdated(b, generation)) - Number(isOutdated(a, generation)) ||
        Number(a.health_status === 'healthy') - Number(b.health_status === 'healthy') ||
        b.id - a.id,
    );
    for (const row of real.slice(0, excess)) {
      const why = isOutdated(row, generation) ? `replaced by generation ${generation}` : 'scale-in';
      if (row.health_status === 'healthy') steps.push({ kind: 'drain', row, reason: why });
      else
        steps.push({
          kind: 'stop',
          row,
          container: containerOf(row),
          reason: `${why} (not ready)`,
        });
    }
  }
  // Old instances sort first, so the first ones removed are old; once the last
  // old one goes, the surge instance is no longer wanted.
  const stillRolling = desired > 0 && outdated - Math.min(excess, outdated) > 0;
  const missing = desired + (stillRolling ? 1 : 0) - (live.length - excess) - adopted - waiting;
  let index = 0;
  for (let i = 0; i < missing; i++) {
    while (usedIndexes.has(index)) index++;
    usedIndexes.add(index);
    steps.push({ kind: 'create', replicaIndex: index });
  }
  return steps;
}
