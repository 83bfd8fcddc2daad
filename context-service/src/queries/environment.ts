import type { PoolClient } from '@autoserve/runtime';
import type { Row } from '@autoserve/runtime/model';

export interface EnvironmentTarget {
  namespace: string;
  targetType: string;
  targetName: string;
  days: number;
}

export interface EnvironmentSummaryRow {
  total: string;
  successful: string;
  failed: string;
  avg_duration_seconds: number | null;
  p0: string;
  p1: string;
  p2: string;
  environment: string | null;
  reasons: { reason: string; count: number }[];
}

/**
 * One target's remediation statistics over the last `days`, computed from
 * remediation_requests (idx_remediation_requests_target finds exactly this
 * target's rows in the window, partition pruning keeps it to 1-4 months).
 * environment_stats is a write-side rollup by period; answering from the
 * requests themselves is exact for any window and never stale.
 * Duration counts completed requests with both timestamps.
 */
export async function getEnvironmentSummary(
  client: PoolClient,
  t: EnvironmentTarget,
): Promise<EnvironmentSummaryRow> {
  const r = await client.query<EnvironmentSummaryRow>(
    `
WITH rr AS (
  SELECT phase, priority, environment, reason, started_at, completed_at, created_at, id
  FROM remediation_requests
  WHERE namespace = $1 AND target_type = $2 AND target_name = $3
    AND created_at >= now() - make_interval(days => $4)
)
SELECT count(*)::text AS total,
       count(*) FILTER (WHERE phase = 'Completed')::text AS successful,
       count(*) FILTER (WHERE phase = 'Failed')::text AS failed,
       avg(extract(epoch FROM completed_at - started_at)::float8)
         FILTER (WHERE phase = 'Completed' AND started_at IS NOT NULL AND completed_at IS NOT NULL)
         AS avg_duration_seconds,
       count(*) FILTER (WHERE priority = 'P0')::text AS p0,
       count(*) FILTER (WHERE priority = 'P1')::text AS p1,
       count(*) FILTER (WHERE priority = 'P2')::text AS p2,
       (SELECT environment FROM rr WHERE environment <> ''
         ORDER BY created_at DESC, id DESC LIMIT 1) AS environment,
       coalesce((SELECT json_agg(json_build_object('reason', reason, 'count', n) ORDER BY n DESC, reason)
                 FROM (SELECT reason, count(*) AS n FROM rr
                       WHERE phase = 'Failed' AND reason <> ''
                       GROUP BY reason ORDER BY n DESC, reason LIMIT 5) f), '[]') AS reasons
FROM rr`,
    [t.namespace, t.targetType, t.targetName, t.days],
  );
  return r.rows[0]!;
}

/** The target's most recent requests in the window, newest first. */
export async function listRecentRequests(
  client: PoolClient,
  t: EnvironmentTarget,
  limit: number,
): Promise<Row[]> {
  const r = await client.query<Row>(
    `SELECT * FROM remediation_requests
     WHERE namespace = $1 AND target_type = $2 AND target_name = $3
       AND created_at >= now() - make_interval(days => $4)
     ORDER BY created_at DESC, id DESC
     LIMIT $5`,
    [t.namespace, t.targetType, t.targetName, t.days, limit],
  );
  return r.rows;
}
