import type { AppRow } from '../../queries/apps.js';
import type { NewEvent } from '../../queries/events.js';
import type { InstanceChange, InstanceRow, NewInstance } from '../../queries/instances.js';
import { assertTransition } from '../../validation/lifecycle.js';
import type { AppSpecJson } from '../../validation/spec.js';
import type { Clock } from '../clock.js';
import type { Leadership } from '../leader.js';
import {
  type ControlReads,
  type ControlStore,
  type ControlTx,
  LeadershipLostError,
} from '../store.js';
import { fakeInstanceRow } from './instance-row.js';

const LIVE = new Set(['starting', 'running', 'draining', 'stopping']);

/** The fake database's tables; `act` snapshots them and puts them back on a throw. */
interface Tables {
  apps: Map<string, AppRow>;
  instances: Map<number, InstanceRow>;
  events: NewEvent[];
  nextId: number;
  /** The leadership term, as control_leadership holds it. */
  term: string;
}

/**
 * An in-memory ControlStore for unit tests of the control loop's shell: the
 * rows the reconciler reads and writes, events, and the leadership term the
 * acting transactions are fenced with (`takeOver()` is another Scaler
 * winning). The autoscaler is not faked: its decisions have their own tests.
 */
export function createFakeStore(deps: { clock: Clock; leadership: Pick<Leadership, 'term'> }) {
  let t: Tables = { apps: new Map(), instances: new Map(), events: [], nextId: 1, term: '1' };
  const now = () => new Date(deps.clock.now());
  let serial: Promise<void> = Promise.resolve();
  const byApp = (name: string) => [...t.instances.values()].filter((r) => r.app_name === name);
  const app = (name: string) => {
    const a = t.apps.get(name);
    if (!a) throw new Error(`fake store: no app ${name}`);
    return a;
  };
  const insert = (i: NewInstance): InstanceRow => {
    const row = fakeInstanceRow(t.nextId++, {
      app_name: i.appName,
      runtime: i.runtime,
      container_id: i.containerId,
      container_name: i.containerName,
      replica_index: i.replicaIndex,
      ip: i.ip,
      port: i.port,
      status: i.status ?? 'starting',
      health_status: 'unknown',
      created_at: now(),
      updated_at: now(),
      started_at: i.startedAt ?? null,
      ready_at: null,
      app_generation: i.appGeneration ?? null,
      image_digest: null,
    });
    t.instances.set(row.id, row);
    return row;
  };
  const update = (id: number, c: InstanceChange) => {
    const r = t.instances.get(id);
    if (!r) return undefined;
    Object.assign(r, {
      ...(c.status ? { status: c.status } : {}),
      ...(c.healthStatus ? { health_status: c.healthStatus } : {}),
      ...(c.drainingSince !== undefined ? { draining_since: c.drainingSince } : {}),
      ...(c.lastError ? { last_error: c.lastError } : {}),
      ...(c.exitCode !== undefined ? { exit_code: c.exitCode } : {}),
      updated_at: now(),
    });
    return r;
  };
  const updateApp: ControlTx['updateApp'] = async (name, c) => {
    const a = app(name);
    if (c.status) a.status = c.status;
    if (c.replicas !== undefined) a.replicas = c.replicas;
    if (c.desiredReplicas !== undefined) a.desired_replicas = c.desiredReplicas;
    a.updated_at = now();
    return a;
  };
  const tx: ControlTx = {
    maybeGetApp: async (name) => t.apps.get(name),
    updateApp,
    transitionApp: async (name, to, opts) => {
      const from = app(name).status;
      assertTransition(name, from, to);
      const a = await updateApp(name, { ...opts.change, status: to });
      t.events.push({
        type: to === 'error' ? 'error' : 'lifecycle',
        appName: name,
        message: opts.message ?? `app ${name}: ${from} -> ${to}`,
        details: { from, to, ...opts.details },
        source: opts.source,
      });
      return a;
    },
    deleteDeletingApp: async (name) =>
      t.apps.get(name)?.status === 'deleting' && t.apps.delete(name),
    insertEvent: async (e) => {
      t.events.push(e);
      return { id: String(t.events.length) } as never;
    },
    insertInstance: async (i) => insert(i),
    maybeInsertInstanceOnFreePort: async (i) =>
      [...t.instances.values()].some((r) => r.port === i.port && LIVE.has(r.status))
        ? undefined
        : insert(i),
    updateInstance: async (id, c) => update(id, c),
    deleteInstance: async (id) => t.instances.delete(id),
    setContainerId: async (id, containerId, startedAt) => {
      const r = t.instances.get(id);
      if (!r) return false;
      Object.assign(r, { container_id: containerId, started_at: startedAt, status: 'running' });
      if (r.health_status === 'unknown') r.health_status = 'starting';
      return true;
    },
    setInstanceImageDigest: async () => true,
    pinAppImageOnce: async () => undefined,
    insertAction: async () => {},
    updateActionOutcome: async () => {},
  };
  const reads: ControlReads = {
    listAppsByStatus: async (statuses) =>
      [...t.apps.values()].filter((a) => statuses.includes(a.status)),
    listAppInstances: async (name) => byApp(name),
    listInstancesOfApps: async (names) => new Map(names.map((n) => [n, byApp(n)])),
    listLivePorts: async () =>
      [...t.instances.values()].filter((r) => LIVE.has(r.status)).map((r) => r.port),
    listAppsWithPendingActions: async () => new Set(),
    listPendingActions: async () => [],
    countAppInstances: async (name) => byApp(name).length,
    maybeGetLivePortHolder: async () => undefined,
  };
  const store: ControlStore = {
    ...reads,
    act(fn) {
      // One transaction at a time (Postgres isolates them; a snapshot restore must not undo
      // a concurrent act's writes).
      const run = async () => {
        if (deps.leadership.term() !== t.term) throw new LeadershipLostError();
        const saved = structuredClone(t);
        try {
          return await fn(tx);
        } catch (err) {
          t = saved;
          throw err;
        }
      };
      const result = serial.then(run);
      serial = result.then(
        () => {},
        () => {},
      );
      return result;
    },
    evaluateApps: async () => new Map(),
    forget: () => {},
    pruneDecisions: async () => 0,
  };
  return Object.assign(store, {
    /** Registers an app as RegisterApp + StartApp would leave it. */
    addApp(name: string, desired: number): void {
      const spec = { image: 'fake', command: [], args: [], env: {}, port: 0 } as unknown;
      t.apps.set(name, {
        name,
        spec: spec as AppSpecJson,
        status: 'starting',
        mode: 'manual',
        replicas: 0,
        desired_replicas: desired,
        last_scaled_at: null,
        generation: '1',
        created_at: now(),
        updated_at: now(),
      });
    },
    /** What the health checker does once an instance answers its probe. */
    markHealthy(): void {
      for (const r of t.instances.values()) {
        if (r.status === 'running') Object.assign(r, { health_status: 'healthy', ready_at: now() });
      }
    },
    /** Another Scaler won the lock and started a new term. */
    takeOver(): string {
      t.term = String(Number(t.term) + 1);
      return t.term;
    },
    tables: () => t,
  });
}
