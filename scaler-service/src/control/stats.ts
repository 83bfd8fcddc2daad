import { withTx } from '@autoserve/runtime';
import type pg from 'pg';
import type { Logger } from 'pino';
import { insertUsageSamples, type UsageSample } from '../queries/usage.js';
import type { Runtime } from '../runtime/types.js';

interface StatTarget {
  id: number;
  app_name: string;
  container_id: string;
  cpu_limit: number;
}

/**
 * Samples CPU and memory of every running instance from the runtime (Docker
 * stats API / /proc) and writes them as instance metrics, the autoscaler's
 * CPU and memory source. CPU is reported as percent of the app's CPU limit
 * when it has one.
 */
export async function sampleUsage(db: pg.Pool, runtime: Runtime, log: Logger): Promise<number> {
  const res = await db.query<StatTarget>(
    `SELECT i.id, i.app_name, i.container_id, coalesce((a.spec->>'cpu_limit')::float8, 0) AS cpu_limit
       FROM instances i JOIN applications a ON a.name = i.app_name
      WHERE i.status IN ('starting', 'running', 'draining') AND i.container_id NOT LIKE 'pending:%'`,
  );
  const samples = await Promise.all(
    res.rows.map(async (t): Promise<UsageSample | undefined> => {
      try {
        const u = await runtime.stats(t.container_id);
        if (!u) return undefined;
        const cpu = t.cpu_limit > 0 ? u.cpuPercent / t.cpu_limit : u.cpuPercent;
        return {
          appName: t.app_name,
          instanceId: t.id,
          cpuPercent: cpu,
          memoryPercent: u.memoryPercent,
          memoryBytes: u.memoryBytes,
        };
      } catch (err) {
        log.debug({ err, instance: t.id }, 'stats unavailable');
        return undefined;
      }
    }),
  );
  const ok = samples.filter((s): s is UsageSample => s !== undefined);
  await withTx(db, {}, (tx) => insertUsageSamples(tx, ok));
  return ok.length;
}
