import type { PoolClient } from '@autoserve/runtime';
import type { Row } from '@autoserve/runtime/model';
import { Params } from './params.js';

export interface HistoryFilter {
  namespace?: string | undefined;
  targetType?: string | undefined;
  targetName?: string | undefined;
  signalName?: string | undefined;
  environment?: string | undefined;
  phases?: string[] | undefined;
  priorities?: string[] | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

/** Keyset position: created_at in epoch microseconds (exact), id. */
export interface HistoryCursor {
  createdUs: string;
  id: string;
}

/**
 * One page of remediation requests, newest first by (created_at, id). Keyset
 * pagination: the next page starts strictly after the last row's key, so rows
 * inserted meanwhile never shift a page (no duplicates, no gaps), and the
 * cursor compares at microsecond precision (JS dates would round to ms).
 * Served by idx_remediation_requests_page (namespace, created_at DESC, id DESC), or
 * idx_remediation_requests_recent (created_at DESC, id DESC) without a namespace.
 * Returns `limit` rows; each carries pos_us for the next cursor.
 */
export async function listRemediationRequests(
  client: PoolClient,
  f: HistoryFilter,
  cursor: HistoryCursor | undefined,
  limit: number,
): Promise<Row[]> {
  const q = new Params();
  const w: string[] = [];
  if (f.namespace !== undefined) w.push(`namespace = ${q.p(f.namespace)}`);
  if (f.targetType !== undefined) w.push(`target_type = ${q.p(f.targetType)}`);
  if (f.targetName !== undefined) w.push(`target_name = ${q.p(f.targetName)}`);
  if (f.signalName !== undefined) w.push(`signal_name = ${q.p(f.signalName)}`);
  if (f.environment !== undefined) w.push(`environment = ${q.p(f.environment)}`);
  if (f.phases?.length) w.push(`phase = ANY(${q.p(f.phases)}::text[])`);
  if (f.priorities?.length) w.push(`priority = ANY(${q.p(f.priorities)}::text[])`);
  if (f.createdAfter !== undefined) w.push(`created_at >= ${q.p(f.createdAfter)}::timestamptz`);
  if (f.createdBefore !== undefined) w.push(`created_at < ${q.p(f.createdBefore)}::timestamptz`);
  if (cursor) {
    w.push(
      `(created_at, id) < (timestamptz 'epoch' + ${q.p(cursor.createdUs)}::bigint * interval '1 microsecond', ${q.p(cursor.id)}::bigint)`,
    );
  }
  const r = await client.query<Row>(
    `SELECT *, (extract(epoch FROM created_at) * 1000000)::bigint::text AS pos_us
     FROM remediation_requests
     ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC
     LIMIT ${q.p(limit)}`,
    q.values,
  );
  return r.rows;
}
