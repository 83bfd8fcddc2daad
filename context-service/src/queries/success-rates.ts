import type { PoolClient } from '@autoserve/runtime';
import { Params } from './params.js';

export interface SuccessRatesQuery {
  namespace: string;
  days: number;
  workflowName: string | undefined;
  groupBy: 'workflow' | 'environment';
}

export interface SuccessRateRow {
  key: string;
  total: string;
  successful: string;
  failed: string;
  avg_s: number | null;
  p50_s: number | null;
  p95_s: number | null;
  p99_s: number | null;
  last_execution: Date | null;
  first_ok: number;
  first_finished: number;
  second_ok: number;
  second_finished: number;
}

/**
 * Success statistics of one namespace's workflow executions over the last
 * `days`, per workflow or per environment of the remediation request, with
 * both halves of the window for the trend.
 *
 * Computed live rather than read from the workflow_success_rates
 * materialized view: the view has one fixed 30-day window, no environment,
 * no halves, and is as stale as its last refresh. With
 * idx_workflow_executions_namespace_created (migration 010) this is an
 * index-only range scan of the window; `npm run bench -- context` measures it
 * against reading the view. Answers are cached (TTL, single-flight) above.
 * Durations count completed executions with both timestamps, as in the view.
 */
export async function listSuccessRates(
  client: PoolClient,
  s: SuccessRatesQuery,
): Promise<SuccessRateRow[]> {
  const q = new Params();
  const ns = q.p(s.namespace);
  const days = q.p(s.days);
  const workflowTerm =
    s.workflowName === undefined ? '' : `AND w.workflow_name = ${q.p(s.workflowName)}`;
  const key =
    s.groupBy === 'workflow'
      ? 'w.workflow_name'
      : `coalesce((SELECT nullif(rr.environment, '') FROM remediation_requests rr
                   WHERE rr.namespace = w.namespace AND rr.name = w.remediation_request_ref
                   ORDER BY rr.created_at DESC LIMIT 1), 'unknown')`;
  const r = await client.query<SuccessRateRow>(
    `
WITH w AS (
  SELECT ${key} AS key, w.phase, w.created_at,
         CASE WHEN w.phase = 'Completed' AND w.started_at IS NOT NULL AND w.completed_at IS NOT NULL
              THEN extract(epoch FROM w.completed_at - w.started_at)::float8 END AS seconds,
         w.created_at < now() - make_interval(secs => ${days} * 43200) AS first_half
  FROM workflow_executions w
  WHERE w.namespace = ${ns} AND w.created_at >= now() - make_interval(days => ${days})
    ${workflowTerm}
)
SELECT key,
       count(*)::text AS total,
       count(*) FILTER (WHERE phase = 'Completed')::text AS successful,
       count(*) FILTER (WHERE phase = 'Failed')::text AS failed,
       avg(seconds) AS avg_s,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50_s,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds) AS p95_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY seconds) AS p99_s,
       max(created_at) AS last_execution,
       count(*) FILTER (WHERE first_half AND phase = 'Completed')::int AS first_ok,
       count(*) FILTER (WHERE first_half AND phase IN ('Completed', 'Failed'))::int AS first_finished,
       count(*) FILTER (WHERE NOT first_half AND phase = 'Completed')::int AS second_ok,
       count(*) FILTER (WHERE NOT first_half AND phase IN ('Completed', 'Failed'))::int AS second_finished
FROM w
GROUP BY key
ORDER BY count(*) DESC, key`,
    q.values,
  );
  return r.rows;
}
