import { RuntimeError } from '../runtime/types.js';
import type { ControlStore } from './store.js';

/**
 * The runtime stopped answering: every app that should run goes to error
 * with an event naming the cause (once per outage; the loop keeps trying and
 * the reconciler brings the apps back when the engine answers again). An app
 * already in error (its containers died first) gets the event too, so the
 * history names the outage rather than only the crashes it caused.
 */
export async function markEngineDown(store: ControlStore, err: unknown): Promise<void> {
  // The raw error was logged by the loop; events (readable by every token) get our own words.
  const cause = err instanceof RuntimeError ? err.message : 'runtime unavailable';
  const apps = await store.listAppsByStatus(['starting', 'running', 'updating', 'error']);
  for (const app of apps) {
    await store
      .act(async (tx) => {
        const details = { failure: 'engine_down', cause };
        if (app.status === 'error') {
          await tx.insertEvent({
            type: 'error',
            appName: app.name,
            message: `app ${app.name}: ${cause}`,
            details,
            severity: 'error',
            source: 'reconciler',
          });
        } else {
          await tx.transitionApp(app.name, 'error', {
            source: 'reconciler',
            message: `app ${app.name}: ${app.status} -> error: ${cause}`,
            details,
          });
        }
      })
      .catch(() => {});
  }
}
