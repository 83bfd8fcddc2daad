import { failedPrecondition } from '@autoserve/runtime';

import { APP_STATUSES, type AppStatusName } from '@autoserve/runtime/model';

/** App statuses as stored in applications.status: the shared model's, derived from the contract. */
export { APP_STATUSES, type AppStatusName };

/**
 * The app lifecycle as a transition table (seed 004 plus deleting):
 * registered -> starting -> running; running|error -> updating -> running;
 * starting|running|updating|error -> stopping -> stopped -> starting;
 * any -> error; any but deleting -> deleting. Self-transitions are not
 * transitions. Kept as data so the RPCs and the control loop enforce the
 * same rules and the table is unit-tested on its own.
 */
export const APP_TRANSITIONS: Readonly<Record<AppStatusName, readonly AppStatusName[]>> = {
  registered: ['starting', 'error', 'deleting'],
  starting: ['running', 'stopping', 'error', 'deleting'],
  running: ['updating', 'stopping', 'error', 'deleting'],
  updating: ['running', 'stopping', 'error', 'deleting'],
  stopping: ['stopped', 'error', 'deleting'],
  stopped: ['starting', 'error', 'deleting'],
  error: ['updating', 'stopping', 'deleting'],
  deleting: ['error'],
};

/** True when `from -> to` is a legal status change. */
export function canTransition(from: AppStatusName, to: AppStatusName): boolean {
  return APP_TRANSITIONS[from].includes(to);
}

/** Throws FailedPrecondition naming the app and both statuses when `from -> to` is illegal. */
export function assertTransition(app: string, from: AppStatusName, to: AppStatusName): void {
  if (!canTransition(from, to)) {
    throw failedPrecondition(`app "${app}" is ${from}; it cannot become ${to}`);
  }
}

/** Narrows a database value to a status (the table's CHECK guarantees it). */
export function isAppStatus(value: string): value is AppStatusName {
  return (APP_STATUSES as readonly string[]).includes(value);
}
