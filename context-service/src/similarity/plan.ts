/** How one similarity query runs. */
export interface SearchPlan {
  method: 'exact' | 'hnsw';
  /** hnsw.ef_search for the HNSW scan; 0 for exact. */
  efSearch: number;
  /** Estimated fraction of rows the filters keep, 0..1. */
  selectivity: number;
}

/**
 * ef_search giving at least the requested recall@10 on unfiltered HNSW
 * search, measured by `npm run bench -- context` (100K clustered 1536-d
 * vectors, m=16, ef_construction=64). Interpolated linearly between points.
 */
export const EF_FOR_RECALL: readonly (readonly [recall: number, ef: number])[] = [
  [0.5, 10],
  [0.9, 40],
  [0.95, 60],
  [0.98, 100],
  [0.99, 160],
  [0.995, 250],
  [0.999, 500],
];

/** pgvector's upper bound for hnsw.ef_search. */
export const MAX_EF_SEARCH = 1000;

/** ef_search for a requested accuracy (recall), from the measured curve. */
export function efSearchFor(accuracy: number): number {
  const first = EF_FOR_RECALL[0]!;
  if (accuracy <= first[0]) return first[1];
  for (let i = 1; i < EF_FOR_RECALL.length; i++) {
    const [r1, e1] = EF_FOR_RECALL[i]!;
    const [r0, e0] = EF_FOR_RECALL[i - 1]!;
    if (accuracy <= r1) return Math.ceil(e0 + ((accuracy - r0) / (r1 - r0)) * (e1 - e0));
  }
  return MAX_EF_SEARCH;
}

export interface PlanInput {
  /** Rows the filters keep (counted exactly up to the threshold, else the planner's estimate). */
  estimatedRows: number;
  /** Rows in the table (planner statistics). */
  totalRows: number;
  /** Requested recall; undefined = the measured default. 1 forces an exact scan. */
  accuracy: number | undefined;
  limit: number;
  /** Filtered row count up to which an exact scan is used. */
  exactMaxRows: number;
  /** ef_search when no accuracy is requested. */
  defaultEfSearch: number;
}

/**
 * Exact scan when the filters are selective (scanning a few thousand rows
 * and sorting by distance is fast and has recall 1, while a filtered graph
 * walk may run out of matching neighbours), or when accuracy 1 is asked for;
 * otherwise HNSW with an iterative scan and ef_search from the accuracy.
 */
export function choosePlan(input: PlanInput): SearchPlan {
  const selectivity =
    input.totalRows > 0 ? Math.min(1, Math.max(0, input.estimatedRows / input.totalRows)) : 1;
  if (input.accuracy === 1 || input.estimatedRows <= input.exactMaxRows) {
    return { method: 'exact', efSearch: 0, selectivity };
  }
  const base = input.accuracy === undefined ? input.defaultEfSearch : efSearchFor(input.accuracy);
  // The graph walk keeps ef_search candidates; fewer than `limit` could not fill the page.
  const efSearch = Math.min(MAX_EF_SEARCH, Math.max(base, input.limit));
  return { method: 'hnsw', efSearch, selectivity };
}
