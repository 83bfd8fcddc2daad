import type { PoolClient } from '@autoserve/runtime';
import type { Row } from '@autoserve/runtime/model';

export type TimelineKind = 'request' | 'processing' | 'analysis' | 'workflow' | 'action';

type ChildTable = 'remediation_processing' | 'ai_analysis' | 'workflow_executions';

export interface TimelineRow {
  kind: TimelineKind;
  record: Row;
}

/**
 * Every record of one remediation, in one statement so all of them come from
 * one snapshot (a timeline half before and half after a concurrent write
 * would be inconsistent). A record belongs to the remediation when it names
 * the request (remediation_request_ref within the namespace) or carries its
 * correlation id; actions belong through their workflow execution. Order:
 * time, then request < processing < analysis < workflow < action, then id.
 * Records are returned as to_jsonb, which keeps microsecond timestamps.
 */
export async function listTimeline(
  client: PoolClient,
  key: { correlationId: string } | { namespace: string; name: string },
): Promise<TimelineRow[]> {
  const byCorrelation = 'correlationId' in key;
  const params = byCorrelation ? [key.correlationId] : [key.namespace, key.name];
  // By correlation id the id itself is a key too, so records without a request still show.
  const ids = byCorrelation
    ? `SELECT namespace, name, nullif(correlation_id, '') AS correlation_id FROM req
       UNION SELECT NULL, NULL, $1::text`
    : `SELECT DISTINCT namespace, name, nullif(correlation_id, '') AS correlation_id FROM req`;
  const requests = byCorrelation
    ? 'SELECT * FROM remediation_requests WHERE correlation_id = $1'
    : 'SELECT * FROM remediation_requests WHERE namespace = $1 AND name = $2';
  const r = await client.query<TimelineRow>(
    `
WITH req AS (${requests}),
ids AS (${ids}),
wf AS (${children('workflow_executions')})
SELECT kind, record FROM (
  SELECT 'request' AS kind, 1 AS ord, id, created_at, to_jsonb(req) AS record FROM req
  UNION ALL
  SELECT 'processing', 2, x.id, x.created_at, to_jsonb(x) FROM remediation_processing x
  WHERE (x.id, x.created_at) IN (${children('remediation_processing')})
  UNION ALL
  SELECT 'analysis', 3, x.id, x.created_at, to_jsonb(x) FROM ai_analysis x
  WHERE (x.id, x.created_at) IN (${children('ai_analysis')})
  UNION ALL
  SELECT 'workflow', 4, x.id, x.created_at, to_jsonb(x) FROM workflow_executions x
  WHERE (x.id, x.created_at) IN (SELECT id, created_at FROM wf)
  UNION ALL
  SELECT 'action', 5, x.id, x.created_at, to_jsonb(x) FROM kubernetes_executions x
  WHERE (x.id, x.created_at) IN (
    SELECT k.id, k.created_at FROM kubernetes_executions k
    JOIN workflow_executions w ON k.workflow_execution_ref = w.name AND k.namespace = w.namespace
    WHERE (w.id, w.created_at) IN (SELECT id, created_at FROM wf)
    UNION
    SELECT k.id, k.created_at FROM kubernetes_executions k JOIN ids ON k.correlation_id = ids.correlation_id)
) t
ORDER BY created_at, ord, id`,
    params,
  );
  return r.rows;
}

/**
 * Keys of a child table's records that name a request of `ids` or share its
 * correlation id: two index lookups (…_parent, …_correlation) instead of an OR
 * the planner could only answer with a scan. `table` is a constant.
 */
function children(table: ChildTable): string {
  return `SELECT c.id, c.created_at FROM ${table} c
          JOIN ids ON c.remediation_request_ref = ids.name AND c.namespace = ids.namespace
          UNION
          SELECT c.id, c.created_at FROM ${table} c JOIN ids ON c.correlation_id = ids.correlation_id`;
}
