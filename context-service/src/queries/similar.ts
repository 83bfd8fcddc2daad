import { endianness } from 'node:os';
import type { PoolClient } from '@autoserve/runtime';
import {
  REQUEST_COLUMNS,
  type Row,
  selectColumns,
  WORKFLOW_COLUMNS,
} from '@autoserve/runtime/model';
import { Params } from './params.js';

/** Validated similarity filters, in stored spellings. */
export interface IncidentFilterSql {
  namespace?: string | undefined;
  phases?: string[] | undefined;
  targetType?: string | undefined;
  targetName?: string | undefined;
  signalType?: string | undefined;
  /** ISO timestamps, [after, before). */
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

/**
 * pgvector's binary wire form (int16 dimensions, int16 unused, float4 values,
 * big-endian). node-postgres sends a Buffer parameter in binary, which skips
 * formatting ~31 KB of text here and parsing it on the server (~1 ms/query).
 */
export function vectorToBinary(values: ArrayLike<number>): Buffer {
  // A buffer of its own (offset 0), so the floats at offset 4 are aligned for a typed-array view:
  // one bulk conversion and one byte swap instead of 1536 writeFloatBE calls.
  const b = Buffer.allocUnsafeSlow(4 + 4 * values.length);
  new Float32Array(b.buffer, b.byteOffset + 4, values.length).set(values);
  if (LITTLE_ENDIAN) b.subarray(4).swap32();
  b.writeInt16BE(values.length, 0);
  b.writeInt16BE(0, 2);
  return b;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** WHERE terms of an incident filter on alias `ie`; the embedder is always a term. */
export function incidentWhere(
  f: IncidentFilterSql,
  embedder: string,
  q: Params,
  excludeId?: bigint,
): string {
  const w = [`ie.embedder = ${q.p(embedder)}`];
  if (f.namespace !== undefined) w.push(`ie.namespace = ${q.p(f.namespace)}`);
  if (f.phases?.length) w.push(`ie.phase = ANY(${q.p(f.phases)}::text[])`);
  if (f.targetType !== undefined) w.push(`ie.target_type = ${q.p(f.targetType)}`);
  if (f.targetName !== undefined) w.push(`ie.target_name = ${q.p(f.targetName)}`);
  if (f.signalType !== undefined) w.push(`ie.signal_type = ${q.p(f.signalType)}`);
  if (f.createdAfter !== undefined)
    w.push(`ie.remediation_request_created_at >= ${q.p(f.createdAfter)}::timestamptz`);
  if (f.createdBefore !== undefined)
    w.push(`ie.remediation_request_created_at < ${q.p(f.createdBefore)}::timestamptz`);
  if (excludeId !== undefined) w.push(`ie.id <> ${q.p(excludeId.toString())}::bigint`);
  return w.join(' AND ');
}

/** The stored vector and embedder of one incident, if it exists. */
export async function maybeGetIncidentVector(
  client: PoolClient,
  id: bigint,
): Promise<{ embedding: number[]; embedder: string } | undefined> {
  const r = await client.query<{ embedding: number[]; embedder: string }>(
    'SELECT embedding, embedder FROM incident_embeddings WHERE id = $1',
    [id.toString()],
  );
  return r.rows[0];
}

/** The planner's row estimate for a filter (no rows are read). */
export async function getPlannedRows(
  client: PoolClient,
  f: IncidentFilterSql,
  embedder: string,
): Promise<number> {
  const q = new Params();
  const where = incidentWhere(f, embedder, q);
  const r = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM incident_embeddings ie WHERE ${where}`,
    q.values,
  );
  return r.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'];
}

/** Rows matching a filter, counted up to `cap` (so the cost is bounded by the cap). */
export async function countFilteredRowsUpTo(
  client: PoolClient,
  f: IncidentFilterSql,
  embedder: string,
  cap: number,
): Promise<number> {
  const q = new Params();
  const where = incidentWhere(f, embedder, q);
  const r = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM incident_embeddings ie WHERE ${where} LIMIT ${q.p(cap)}) s`,
    q.values,
  );
  return r.rows[0]!.n;
}

/** Planner statistics' row count of incident_embeddings (0 before the first ANALYZE). */
export async function getTotalIncidentRows(client: PoolClient): Promise<number> {
  const r = await client.query<{ n: number }>(
    "SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'public.incident_embeddings'::regclass",
  );
  return r.rows[0]?.n ?? 0;
}

/** Whether any incident was embedded by `embedder`. */
export async function embedderHasRows(client: PoolClient, embedder: string): Promise<boolean> {
  const r = await client.query<{ found: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM incident_embeddings WHERE embedder = $1) AS found',
    [embedder],
  );
  return r.rows[0]!.found;
}

/** A few embedders that have stored vectors (for error messages). */
export async function listStoredEmbedders(client: PoolClient): Promise<string[]> {
  const r = await client.query<{ embedder: string }>(
    'SELECT DISTINCT embedder FROM incident_embeddings ORDER BY embedder LIMIT 5',
  );
  return r.rows.map((x) => x.embedder);
}

const REQUEST_SELECT = selectColumns('rr', 'rr_', REQUEST_COLUMNS);
const WORKFLOW_SELECT = selectColumns('we', 'we_', WORKFLOW_COLUMNS);
const WORKFLOW_INNER = WORKFLOW_COLUMNS.map((c) => `w.${c}`).join(', ');

export interface SimilarQuery {
  vector: ArrayLike<number>;
  embedder: string;
  filter: IncidentFilterSql;
  excludeId?: bigint | undefined;
  limit: number;
  /** 1 - min_similarity: rows farther away are dropped after the top-k. */
  maxDistance: number;
  method: 'exact' | 'hnsw';
}

/**
 * The `limit` nearest incidents with their request and latest workflow.
 * The inner, MATERIALIZED top-k is the only part that touches vectors:
 * - hnsw: ORDER BY the bare distance, which the HNSW index serves (iterative
 *   scan settings are set by the caller); relaxed order is re-sorted outside;
 * - exact: ORDER BY distance + 0, an expression the index cannot serve, so
 *   the filtered rows (found through the btree indexes) are scanned and sorted.
 * The similarity threshold is applied after the top-k: the top-k of rows above
 * a threshold equals the top-k filtered by it, and keeps the graph walk short.
 */
export async function listSimilarIncidents(client: PoolClient, s: SimilarQuery): Promise<Row[]> {
  const { text, values } = similarIncidentsSql(s);
  const r = await client.query<Row>(text, values);
  return r.rows;
}

/**
 * The parts of a top-k over incident vectors: the bound query vector, the filter, and the ORDER
 * BY of the plan (bare distance, which the HNSW index serves; distance + 0, which no index can, for
 * an exact scan). One definition for the service's query and the calibration's probe, so what is
 * calibrated is what runs.
 */
export function topKTerms(
  s: Pick<SimilarQuery, 'vector' | 'embedder' | 'filter' | 'excludeId' | 'method'>,
  q: Params,
): { vec: string; where: string; order: string } {
  const vec = q.p(vectorToBinary(s.vector));
  const where = incidentWhere(s.filter, s.embedder, q, s.excludeId);
  const order =
    s.method === 'hnsw'
      ? `ie.embedding <=> ${vec}::vector`
      : `(ie.embedding <=> ${vec}::vector) + 0`;
  return { vec, where, order };
}

/** The statement listSimilarIncidents runs (tests EXPLAIN exactly this text). */
export function similarIncidentsSql(s: SimilarQuery): { text: string; values: unknown[] } {
  const q = new Params();
  const { vec, where, order } = topKTerms(s, q);
  const sql = `
WITH top AS MATERIALIZED (
  SELECT ie.id, (ie.embedding <=> ${vec}::vector)::float8 AS distance
  FROM incident_embeddings ie
  WHERE ${where}
  ORDER BY ${order}
  LIMIT ${q.p(s.limit)}
)
SELECT top.distance,
       ie.id AS ie_id, ie.remediation_request_id AS ie_remediation_request_id,
       ie.namespace AS ie_namespace, ie.target_type AS ie_target_type,
       ie.target_name AS ie_target_name, ie.signal_type AS ie_signal_type,
       ie.signal_name AS ie_signal_name, ie.root_cause AS ie_root_cause,
       ie.remediation_action AS ie_remediation_action, ie.phase AS ie_phase,
       ie.embedder AS ie_embedder, ie.remediation_request_created_at AS ie_created_at,
       ${REQUEST_SELECT}, ${WORKFLOW_SELECT}
FROM top
JOIN incident_embeddings ie ON ie.id = top.id
LEFT JOIN remediation_requests rr
  ON rr.id = ie.remediation_request_id AND rr.created_at = ie.remediation_request_created_at
LEFT JOIN LATERAL (
  SELECT ${WORKFLOW_INNER} FROM workflow_executions w
  WHERE w.remediation_request_ref = rr.name AND w.namespace = rr.namespace
  ORDER BY w.created_at DESC, w.id DESC
  LIMIT 1
) we ON true
WHERE top.distance <= ${q.p(s.maxDistance)}
ORDER BY top.distance, top.id`;
  return { text: sql, values: q.values };
}
