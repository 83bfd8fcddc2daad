import type { PoolClient } from '@autoserve/runtime';
import { Params } from './params.js';
import { type IncidentFilterSql, topKTerms } from './similar.js';

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

/** Rows per namespace of one embedder. */
export async function listNamespaceCounts(
  client: PoolClient,
  embedder: string,
): Promise<Map<string, number>> {
  const r = await client.query<{ namespace: string; n: number }>(
    `SELECT namespace, count(*)::int AS n FROM incident_embeddings
     WHERE embedder = $1 GROUP BY namespace`,
    [embedder],
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
  const percent = Math.min(100, (300 * count) / Math.max(1, rows));
  const r = await client.query<{ id: string; namespace: string; embedding: number[] }>(
    `SELECT id::text, namespace, embedding FROM incident_embeddings TABLESAMPLE BERNOULLI ($2)
     WHERE embedder = $1 LIMIT $3`,
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
