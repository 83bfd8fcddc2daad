import type { Decision } from '../decision/types.js';
import { transitionApp } from '../queries/app-status.js';
import {
  type AppRow,
  deleteDeletingApp,
  listAppsByStatus,
  maybeGetApp,
  updateApp,
} from '../queries/apps.js';
import type { Db } from '../queries/db.js';
import { insertEvent } from '../queries/events.js';
import { pinAppImageOnce, setInstanceImageDigest } from '../queries/image-pins.js';
import { countAppInstances, listLivePorts, setContainerId } from '../queries/instance-extra.js';
import {
  deleteInstance,
  type InstanceState,
  insertInstance,
  listAppInstances,
  listInstancesOfApps,
  maybeGetLivePortHolder,
  maybeInsertInstanceOnFreePort,
  updateInstance,
} from '../queries/instances.js';
import {
  insertAction,
  listAppsWithPendingActions,
  listPendingActions,
  updateActionOutcome,
} from '../queries/remediation-actions.js';

/** The reads of a control pass and of the reconciler, each its own statement. */
export const CONTROL_READS = {
  listAppsByStatus,
  listAppInstances,
  listInstancesOfApps,
  listLivePorts,
  listAppsWithPendingActions,
  listPendingActions,
  countAppInstances,
  maybeGetLivePortHolder,
};

/** The writes the shell makes, always inside ControlStore.act (one fenced transaction). */
export const CONTROL_WRITES = {
  maybeGetApp,
  updateApp,
  transitionApp,
  deleteDeletingApp,
  insertEvent,
  insertInstance,
  maybeInsertInstanceOnFreePort,
  updateInstance,
  deleteInstance,
  setContainerId,
  setInstanceImageDigest,
  pinAppImageOnce,
  insertAction,
  updateActionOutcome,
};

/** A query module's function with its database already given. */
type Bound<F> = F extends (db: Db, ...args: infer A) => infer R ? (...args: A) => R : never;
/** A table of query functions, each bound to one database handle. */
export type BoundQueries<T> = { [K in keyof T]: Bound<T[K]> };

/** Binds every query of `table` to `db`: the Postgres side of the store. */
export function bindQueries<T extends Record<string, (db: Db, ...args: never[]) => unknown>>(
  table: T,
  db: Db,
): BoundQueries<T> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(table)) {
    out[name] = (...args: never[]) => fn(db, ...args);
  }
  return out as BoundQueries<T>;
}

export type ControlReads = BoundQueries<typeof CONTROL_READS>;
export type ControlTx = BoundQueries<typeof CONTROL_WRITES>;

/**
 * Thrown by ControlStore.act when this process no longer holds the term it
 * was elected with: a deposed leader's transaction is refused, not committed.
 */
export class LeadershipLostError extends Error {
  constructor(message = 'leadership lost: this Scaler is no longer the leader') {
    super(message);
    this.name = 'LeadershipLostError';
  }
}

/**
 * Everything the control loop's shell (pass, reconciler, engine-down,
 * outcomes) needs from the database, named by the query modules' own
 * functions so the Postgres store is only a binding of them and a fake store
 * can stand in for it in unit tests. Every write goes through `act`: one
 * transaction that commits only while this process still holds leadership.
 */
export interface ControlStore extends ControlReads {
  /** Runs `fn` in one transaction, refused with LeadershipLostError unless this process leads. */
  act<T>(fn: (tx: ControlTx) => Promise<T>): Promise<T>;
  /**
   * The autoscaler's evaluation of the due auto-mode apps at `now`; apps whose
   * decision acts are carried out in fenced transactions. `rowsByApp` may
   * still be on its way: the pass lists instances while this reads.
   */
  evaluateApps(
    apps: readonly AppRow[],
    rowsByApp:
      | ReadonlyMap<string, readonly InstanceState[]>
      | PromiseLike<ReadonlyMap<string, readonly InstanceState[]>>,
    now: number,
  ): Promise<Map<string, Decision | undefined>>;
  /** Forgets per-app state the store keeps between passes for apps not in `known` (deleted). */
  forget(known: ReadonlySet<string>): void;
  /** Drops old non-acting decision rows. */
  pruneDecisions(before: Date): Promise<number>;
}
