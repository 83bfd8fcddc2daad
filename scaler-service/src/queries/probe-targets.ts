import type { HealthCheckRow } from '../validation/health-check.js';
import type { Db } from './db.js';

/** An instance to probe with its app's health check (null = none stored). */
export interface ProbeTarget {
  id: number;
  app_name: string;
  container_id: string;
  port: number;
  ip: string;
  status: string;
  health_status: 'unknown' | 'starting' | 'healthy' | 'unhealthy';
  started_at: Date | null;
  ready_at: Date | null;
  consecutive_failures: number;
  failure_count: number;
  check: HealthCheckRow | null;
}

/** Started instances that are not being drained or stopped, with their health checks. */
export async function listProbeTargets(db: Db): Promise<ProbeTarget[]> {
  const res = await db.query<ProbeTarget>(
    `SELECT i.id, i.app_name, i.container_id, i.port, host(i.ip) AS ip, i.status, i.health_status,
            i.started_at, i.ready_at, i.consecutive_failures, i.failure_count,
            CASE WHEN h.app_name IS NULL THEN NULL ELSE to_jsonb(h) END AS check
       FROM instances i LEFT JOIN health_checks h ON h.app_name = i.app_name
      WHERE i.status IN ('starting', 'running') AND i.draining_since IS NULL
        AND i.started_at IS NOT NULL
      ORDER BY i.id`,
  );
  return res.rows;
}
