import type { Pool } from '@autoserve/runtime';
import { withTx } from '@autoserve/runtime';
import type pg from 'pg';
import { listSuccessRates } from '../../context-service/dist/queries/success-rates.js';

/**
 * Workflow executions for the seeded requests: two per request on average,
 * 20 workflows, spread over the requests' 60 days, 80% completed.
 */
export async function seedWorkflows(owner: pg.Client, prefix: string, n: number): Promise<void> {
  await owner.query(
    `INSERT INTO workflow_executions (name, namespace, remediation_request_ref, workflow_name,
       step_count, phase, created_at, started_at, completed_at)
     SELECT rr.name || '-wf-' || k, rr.namespace, rr.name, 'wf-' || ((rr.id + k) % 20), 3,
            CASE WHEN (rr.id + k) % 5 = 0 THEN 'Failed' ELSE 'Completed' END,
            rr.created_at + interval '10 seconds', rr.created_at + interval '11 seconds',
            rr.created_at + make_interval(secs => 20 + (rr.id * 7 + k) % 300)
     FROM remediation_requests rr CROSS JOIN generate_series(1, 2) AS k
     WHERE rr.namespace LIKE $1 || '-ns-%'
     LIMIT $2`,
    [prefix, 2 * n],
  );
}

async function time(fn: () => Promise<unknown>, runs = 10): Promise<number> {
  await fn();
  const t = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return (performance.now() - t) / runs;
}

/**
 * Mean time of GetWorkflowSuccessRates' live aggregate (30 days, by workflow,
 * with p50/p95/p99 and the trend halves) against reading the 30-day
 * materialized view, and what one REFRESH ... CONCURRENTLY of the view costs.
 */
export async function successRatesLiveVsView(owner: pg.Client, pool: Pool, prefix: string) {
  const namespace = `${prefix}-ns-0`;
  const executions = Number(
    (
      await owner.query<{ n: string }>(
        `SELECT count(*) AS n FROM workflow_executions
         WHERE namespace = $1 AND created_at >= now() - interval '30 days'`,
        [namespace],
      )
    ).rows[0]!.n,
  );
  const refreshStart = performance.now();
  await owner.query('REFRESH MATERIALIZED VIEW CONCURRENTLY workflow_success_rates');
  const refreshMs = performance.now() - refreshStart;
  const live = (days: number, groupBy: 'workflow' | 'environment') =>
    time(() =>
      withTx(pool, { readOnly: true }, (c) =>
        listSuccessRates(c, { namespace, days, workflowName: undefined, groupBy }),
      ),
    );
  const view = await time(() =>
    withTx(pool, { readOnly: true }, (c) =>
      c.query('SELECT * FROM workflow_success_rates WHERE namespace = $1', [namespace]),
    ),
  );
  return {
    namespace_executions_30d: executions,
    live_30d_by_workflow_ms: await live(30, 'workflow'),
    live_90d_by_workflow_ms: await live(90, 'workflow'),
    live_30d_by_environment_ms: await live(30, 'environment'),
    view_read_ms: view,
    view_refresh_all_namespaces_ms: refreshMs,
  };
}
