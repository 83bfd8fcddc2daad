import type { PoolClient } from '@autoserve/runtime';
import { INCIDENT_COLUMNS, type Row } from '@autoserve/runtime/model';
import { Params } from './params.js';

export interface DuplicateScope {
  namespace: string;
  /** ISO timestamps on the request's created_at, [after, before). */
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

function scopeWhere(s: DuplicateScope, alias: string, q: Params): string {
  const w = [`${alias}.namespace = ${q.p(s.namespace)}`];
  if (s.createdAfter !== undefined)
    w.push(`${alias}.remediation_request_created_at >= ${q.p(s.createdAfter)}::timestamptz`);
  if (s.createdBefore !== undefined)
    w.push(`${alias}.remediation_request_created_at < ${q.p(s.createdBefore)}::timestamptz`);
  return w.join(' AND ');
}

/** Incidents in scope, counted up to `cap`. */
export async function countScopeUpTo(
  client: PoolClient,
  s: DuplicateScope,
  cap: number,
): Promise<number> {
  const q = new Params();
  const r = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM incident_embeddings ie WHERE ${scopeWhere(s, 'ie', q)} LIMIT ${q.p(cap)}) s`,
    q.values,
  );
  return r.rows[0]!.n;
}

/** The next `size` incident ids in scope from `fromId` on: their last id and how many. */
export async function getChunk(
  client: PoolClient,
  s: DuplicateScope,
  fromId: string,
  size: number,
): Promise<{ last: string | null; n: number }> {
  const q = new Params();
  const r = await client.query<{ last: string | null; n: number }>(
    `SELECT max(id)::text AS last, count(*)::int AS n FROM (
       SELECT ie.id FROM incident_embeddings ie
       WHERE ${scopeWhere(s, 'ie', q)} AND ie.id >= ${q.p(fromId)}::bigint
       ORDER BY ie.id LIMIT ${q.p(size)}) c`,
    q.values,
  );
  return r.rows[0]!;
}

export interface PairsQuery {
  scope: DuplicateScope;
  /** Pairs strictly after (afterA, afterB), with first.id in [afterA, lastA]. */
  afterA: string;
  afterB: string;
  lastA: string;
  maxDistance: number;
  limit: number;
  /** exact: every pair in scope; hnsw: the `neighbours` nearest of each incident. */
  method: 'exact' | 'hnsw';
  neighbours: number;
}

/**
 * The shared mapper's incident columns under a prefix; a pair shows each incident at its
 * request's time, so created_at is read from remediation_request_created_at.
 */
const INCIDENT_COLS = (p: string, t: string) =>
  INCIDENT_COLUMNS.map(
    (c) => `${t}.${c === 'created_at' ? 'remediation_request_created_at' : c} AS ${p}${c}`,
  ).join(', ');

/**
 * Near-duplicate pairs (first.id < second.id, same embedder, both in scope)
 * for a range of first ids, ordered by (first.id, second.id).
 * - exact (small scopes): compares each first incident with every later one;
 * - hnsw: each first incident's `neighbours` nearest later ones through the
 *   index (iterative scan keeps the filters from starving the walk), then the
 *   threshold; a pair beyond the neighbour bound is missed, which only
 *   matters for clusters of more than `neighbours` copies.
 */
export async function listDuplicatePairs(client: PoolClient, p: PairsQuery): Promise<Row[]> {
  const q = new Params();
  const aWhere = scopeWhere(p.scope, 'a', q);
  const bWhere = scopeWhere(p.scope, 'b', q);
  const afterA = q.p(p.afterA);
  const afterB = q.p(p.afterB);
  const lastA = q.p(p.lastA);
  const maxDistance = q.p(p.maxDistance);
  const inner =
    p.method === 'exact'
      ? `SELECT b.id, (a.embedding <=> b.embedding)::float8 AS distance
         FROM incident_embeddings b
         WHERE ${bWhere} AND b.embedder = a.embedder AND b.id > a.id
           AND (a.embedding <=> b.embedding) <= ${maxDistance}`
      : `SELECT b.id, (a.embedding <=> b.embedding)::float8 AS distance
         FROM incident_embeddings b
         WHERE ${bWhere} AND b.embedder = a.embedder AND b.id > a.id
         ORDER BY b.embedding <=> a.embedding
         LIMIT ${q.p(p.neighbours)}`;
  const r = await client.query<Row>(
    `
WITH pairs AS MATERIALIZED (
  SELECT a.id AS a_id, n.id AS b_id, n.distance
  FROM incident_embeddings a
  CROSS JOIN LATERAL (${inner}) n
  WHERE ${aWhere} AND a.id >= ${afterA}::bigint AND a.id <= ${lastA}::bigint
    AND n.distance <= ${maxDistance}
    AND (a.id, n.id) > (${afterA}::bigint, ${afterB}::bigint)
  ORDER BY a.id, n.id
  LIMIT ${q.p(p.limit)}
)
SELECT pairs.distance, ${INCIDENT_COLS('x_', 'x')}, ${INCIDENT_COLS('y_', 'y')}
FROM pairs
JOIN incident_embeddings x ON x.id = pairs.a_id
JOIN incident_embeddings y ON y.id = pairs.b_id
ORDER BY pairs.a_id, pairs.b_id`,
    q.values,
  );
  return r.rows;
}
