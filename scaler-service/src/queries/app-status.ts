import { type AppStatusName, assertTransition } from '../validation/lifecycle.js';
import { type AppRow, getAppOrThrow, updateApp } from './apps.js';
import type { Db } from './db.js';
import { insertEvent, type NewEvent } from './events.js';

/**
 * Moves an app to `to` inside the caller's transaction: locks the row,
 * checks the lifecycle table (FailedPrecondition when illegal), updates, and
 * records a lifecycle event. Used by the RPCs and by the control loop
 * (starting -> running, stopping -> stopped, any -> error, ...).
 */
export async function transitionApp(
  db: Db,
  name: string,
  to: AppStatusName,
  opts: {
    source: string;
    message?: string;
    severity?: NewEvent['severity'];
    details?: Record<string, unknown>;
    /** Further changes made together with the status. */
    change?: Parameters<typeof updateApp>[2];
  },
): Promise<AppRow> {
  const app = await getAppOrThrow(db, name, true);
  assertTransition(name, app.status, to);
  const updated = await updateApp(db, name, { ...opts.change, status: to });
  await insertEvent(db, {
    type: to === 'error' ? 'error' : 'lifecycle',
    appName: name,
    message: opts.message ?? `app ${name}: ${app.status} -> ${to}`,
    details: { from: app.status, to, ...opts.details },
    severity: opts.severity ?? (to === 'error' ? 'error' : 'info'),
    source: opts.source,
  });
  return updated;
}
