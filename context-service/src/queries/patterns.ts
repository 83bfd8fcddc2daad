import type { PoolClient } from '@autoserve/runtime';

export interface PatternsQuery {
  namespace: string;
  targetType: string;
  days: number;
  minOccurrences: number;
}

export interface PatternRow {
  signal_name: string;
  occurrences: string;
  most_common_phase: string | null;
  success_rate: number;
  workflows: string[];
}

/**
 * Recurring signals of one target type. Unlike the seed's query, occurrences
 * count remediation requests, not request x workflow join rows (a request
 * with three workflow runs is one occurrence), and the workflows are ranked by
 * how often they ran for the signal (top 5). Served by
 * idx_remediation_requests_signal and idx_workflow_executions_parent.
 */
export async function listPatterns(client: PoolClient, p: PatternsQuery): Promise<PatternRow[]> {
  const r = await client.query<PatternRow>(
    `
WITH rr AS (
  SELECT namespace, name, signal_name, phase
  FROM remediation_requests
  WHERE namespace = $1 AND target_type = $2
    AND created_at >= now() - make_interval(days => $3)
), agg AS (
  SELECT signal_name,
         count(*) AS occurrences,
         mode() WITHIN GROUP (ORDER BY phase) AS most_common_phase,
         avg(CASE WHEN phase = 'Completed' THEN 1.0 ELSE 0.0 END)::float8 AS success_rate
  FROM rr
  GROUP BY signal_name
  HAVING count(*) >= $4
), wf AS (
  SELECT rr.signal_name, w.workflow_name, count(*) AS n
  FROM rr
  JOIN workflow_executions w
    ON w.remediation_request_ref = rr.name AND w.namespace = rr.namespace
  WHERE rr.signal_name IN (SELECT signal_name FROM agg)
  GROUP BY rr.signal_name, w.workflow_name
)
SELECT agg.signal_name, agg.occurrences::text AS occurrences, agg.most_common_phase,
       agg.success_rate,
       coalesce(ARRAY(SELECT wf.workflow_name FROM wf WHERE wf.signal_name = agg.signal_name
                      ORDER BY wf.n DESC, wf.workflow_name LIMIT 5), '{}') AS workflows
FROM agg
ORDER BY agg.occurrences DESC, agg.signal_name`,
    [p.namespace, p.targetType, p.days, p.minOccurrences],
  );
  return r.rows;
}
