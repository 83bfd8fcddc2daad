import { withTx } from '@autoserve/runtime';
import type pg from 'pg';
import { transitionApp } from '../queries/app-status.js';
import { listAppsByStatus } from '../queries/apps.js';
import { RuntimeError } from '../runtime/types.js';

/**
 * The runtime stopped answering: every app that should run goes to error
 * with an event naming the cause (once per outage; the loop keeps trying and
 * the reconciler brings the apps back when the engine answers again).
 */
export async function markEngineDown(db: pg.Pool, err: unknown): Promise<void> {
  const cause =
    err instanceof RuntimeError
      ? err.message
      : `runtime unavailable: ${(err as Error)?.message ?? err}`;
  const apps = await listAppsByStatus(db, ['starting', 'running', 'updating']);
  for (const app of apps) {
    await withTx(db, {}, (tx) =>
      transitionApp(tx, app.name, 'error', {
        source: 'reconciler',
        message: `app ${app.name}: ${app.status} -> error: ${cause}`,
        details: { failure: 'engine_down', cause },
      }),
    ).catch(() => {});
  }
}
