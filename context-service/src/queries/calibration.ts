import type { PoolClient } from '@autoserve/runtime';
import { Params } from './params.js';
import { type IncidentFilterSql, incidentWhere, topKTerms, vectorToBinary } from './similar.js';

/** The embedders with the most stored vectors, with their row counts. */
export async function listLargestEmbedders(
  client: PoolClient,
  max: number,
): Promise<{ embedder: string; n: number }[]> {
  const r = await client.query<{ embedder: string; n: number }>(
    `SELECT embedder, count(*)::int AS n FROM incident_embeddings
     GROUP BY embedder ORDER BY count(*) DESC, embedder LIMIT $1`,
    [max],
  );
  return r.rows;
}

/** Rows per namespace of one embedder, the `max` largest. */
export async function listNamespaceCounts(
  client: PoolClient,
  embedder: string,
  max = 1000,
): Promise<Map<string, number>> {
  const r = await client.query<{ namespace: string; n: number }>(
    `SELECT namespace, count(*)::int AS n FROM incident_embeddings
     WHERE embedder = $1 GROUP BY namespace ORDER BY count(*) DESC, namespace LIMIT $2`,
    [embedder, max],
  );
  return new Map(r.rows.map((x) => [x.namespace, x.n]));
}

/** About `count` stored vectors of an embedder, sampled uniformly (Bernoulli over the table). */
export async function sampleIncidentVectors(
  client: PoolClient,
  embedder: string,
  count: number,
  rows: number,
): Promise<{ id: string; namespace: string; embedding: number[] }[]> {
  // Oversample 3x so the LIMIT, not the coin flips, sets the size; capped at the whole table.
  // Shuffled before the LIMIT: without it the LIMIT kept the first third of the table in
  // physical order (the oldest incidents).
  const percent = Math.min(100, (300 * count) / Math.max(1, rows));
  const r = await client.query<{ id: string; namespace: string; embedding: number[] }>(
    `SELECT id::text, namespace, embedding FROM incident_embeddings TABLESAMPLE BERNOULLI ($2)
     WHERE embedder = $1 ORDER BY random() LIMIT $3`,
    [embedder, percent, count],
  );
  return r.rows;
}

/**
 * Ids and distances of the `limit` nearest incidents, nothing else: the calibration's probe. Same terms as
 * listSimilarIncidents (topKTerms), and the caller sets the same planner settings, so what is
 * measured is what the service runs.
 */
export async function listNearestIds(
  client: PoolClient,
  s: {
    vector: ArrayLike<number>;
    embedder: string;
    filter: IncidentFilterSql;
    excludeId?: bigint | undefined;
    limit: number;
    method: 'exact' | 'hnsw';
  },
): Promise<Neighbour[]> {
  const q = new Params();
  const { vec, where, order } = topKTerms(s, q);
  const r = await client.query<{ id: string; distance: number }>(
    `SELECT ie.id::text AS id, (ie.embedding <=> ${vec}::vector)::float8 AS distance
     FROM incident_embeddings ie WHERE ${where}
     ORDER BY ${order} LIMIT ${q.p(s.limit)}`,
    q.values,
  );
  return r.rows;
}

/** One neighbour found by a calibration probe. */
export interface Neighbour {
  id: string;
  distance: number;
}

/**
 * Exact top-`limit` of several query vectors in one scan of the filtered rows, nearest first per
 * query (result[i] for vectors[i]). The calibration's ground truth: a stored vector is toasted,
 * and every distance expression over it fetches and decompresses it again (measured at 100k x
 * 1536: one distance 1.4 s, four 3.9 s), so each row is detoasted once (subvector copies it) and
 * compared with every query, then each query's top-k is picked from the materialized distances:
 * 16 queries in 3.6 s instead of 16 scans of ~1 s. Callers that exclude a query's own row ask
 * for one more and drop it.
 */
export async function listExactNearestIdsBatch(
  client: PoolClient,
  s: {
    vectors: readonly ArrayLike<number>[];
    embedder: string;
    filter: IncidentFilterSql;
    limit: number;
  },
): Promise<Neighbour[][]> {
  if (s.vectors.length === 0) return [];
  const q = new Params();
  const where = incidentWhere(s.filter, s.embedder, q);
  const distances = s.vectors
    .map((v) => `(s.e <=> ${q.p(vectorToBinary(v))}::vector)::float8`)
    .join(', ');
  const r = await client.query<{ o: number; id: string; distance: number }>(
    `WITH d AS MATERIALIZED (
       SELECT s.id, ARRAY[${distances}] AS d
       FROM (SELECT ie.id, subvector(ie.embedding, 1, vector_dims(ie.embedding)) AS e
             FROM incident_embeddings ie WHERE ${where} OFFSET 0) s
     )
     SELECT q.o, t.id::text AS id, t.distance
     FROM generate_series(1, ${q.p(s.vectors.length)}::int) AS q(o)
     CROSS JOIN LATERAL (
       SELECT d.id, d.d[q.o] AS distance FROM d ORDER BY d.d[q.o], d.id LIMIT ${q.p(s.limit)}
     ) t
     ORDER BY q.o, t.distance, t.id`,
    q.values,
  );
  const out: Neighbour[][] = s.vectors.map(() => []);
  for (const row of r.rows) out[row.o - 1]!.push({ id: row.id, distance: row.distance });
  return out;
}

/**
 * Back to the connection's startup settings: the calibration's low-priority and plan settings
 * are session-level on a pooled connection, and a caller's read must not inherit them (a read
 * only resets the settings it sets itself).
 */
export async function resetSessionSettings(client: PoolClient): Promise<void> {
  await client.query('RESET ALL');
}
