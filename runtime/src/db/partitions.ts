import type { Logger } from 'pino';
import type { Pool } from './pool.js';

/**
 * Creates the coming months' (and days', for metrics) partitions. The SQL
 * function is idempotent and serialised with an advisory lock, so every
 * replica of a service may run it.
 */
export async function ensurePartitions(pool: Pool, monthsAhead = 2): Promise<number> {
  const res = await pool.query<{ created: number }>(
    'SELECT autoserve_ensure_partitions($1) AS created',
    [monthsAhead],
  );
  return res.rows[0]?.created ?? 0;
}

/** Runs ensurePartitions now and then every `intervalMs`; returns a stop function. */
export function schedulePartitionMaintenance(
  pool: Pool,
  log: Logger,
  intervalMs = 3_600_000,
): () => void {
  const run = async () => {
    try {
      const created = await ensurePartitions(pool);
      if (created > 0) log.info({ created }, 'created partitions');
    } catch (err) {
      log.warn({ err }, 'partition maintenance failed; will retry');
    }
  };
  void run();
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
