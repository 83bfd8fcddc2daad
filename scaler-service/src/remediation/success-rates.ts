import type { Pool } from '@autoserve/runtime';
import type { Logger } from 'pino';

/** Refreshes workflow_success_rates (REFRESH ... CONCURRENTLY, readers never blocked). */
export async function refreshSuccessRates(db: Pool): Promise<void> {
  await db.query('SELECT autoserve_refresh_success_rates()');
}

/**
 * Refreshes the success-rates view every `intervalMs` (0 disables). Several
 * Scalers may do it: concurrent refreshes queue on the view's lock, and a
 * second one finds little to change.
 */
export function scheduleSuccessRatesRefresh(db: Pool, intervalMs: number, log: Logger): () => void {
  if (intervalMs === 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    refreshSuccessRates(db)
      .catch((err: unknown) => log.warn({ err }, 'refreshing workflow_success_rates failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
