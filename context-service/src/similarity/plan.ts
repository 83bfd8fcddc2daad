import { type BandName, bandOf, type EffortChoice } from './calibration.js';

/** The measured recall behind an HNSW plan's ef_search. */
export interface PlanCalibration extends EffortChoice {
  band: BandName;
  /** Set when the curve was the filter's own namespace's, not its band's. */
  namespace?: string | undefined;
  target: number;
  sampleSize: number;
  measuredAt: number;
}

/** How one similarity query runs. */
export interface SearchPlan {
  method: 'exact' | 'hnsw';
  /** hnsw.ef_search for the HNSW scan; 0 for exact. */
  efSearch: number;
  /** Estimated fraction of rows the filters keep, 0..1. */
  selectivity: number;
  /** Present when ef_search came from the service's own recall measurement. */
  calibration?: PlanCalibration;
}

/** What the calibration offers the plan: an effort for a band and target recall, if measured. */
export type CalibratedEffort = (
  band: BandName,
  target: number,
) => Omit<PlanCalibration, 'band' | 'target'> | undefined;

/**
 * ef_search for a recall@10 before the service has calibrated itself on its own data (see
 * calibrator.ts), measured once by `npm run bench -- context` (100K clustered 1536-d vectors,
 * m=16, ef_construction=64). Interpolated linearly between points. On data built differently it
 * promised too much (0.87 where it said 0.98), which is why the calibration replaces it.
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
  /** ef_search when no accuracy is requested and there is no calibration yet. */
  defaultEfSearch: number;
  /** Recall aimed for when no accuracy is requested. */
  targetRecall?: number;
  /** The calibration of this embedder, if any. */
  calibrated?: CalibratedEffort | undefined;
  /**
   * Filtered row count up to which an exact scan replaces an HNSW walk that the calibration
   * measured below the target at every effort (0 = never).
   */
  exactFallbackMaxRows?: number;
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
  const band = bandOf(selectivity);
  const target = input.accuracy ?? input.targetRecall ?? 0.98;
  const measured = input.calibrated?.(band, target);
  // The service measured that no effort reaches the target for filters like this one (a filter
  // whose rows sit away from the query starves the graph walk): an exact scan keeps the promise,
  // as long as the filtered rows are few enough to scan.
  if (measured && !measured.targetMet && input.estimatedRows <= (input.exactFallbackMaxRows ?? 0)) {
    return {
      method: 'exact',
      efSearch: 0,
      selectivity,
      calibration: { ...measured, band, target },
    };
  }
  const uncalibrated =
    input.accuracy === undefined ? input.defaultEfSearch : efSearchFor(input.accuracy);
  // An effort whose lower confidence bound reaches the target is used as measured, lower than
  // the uncalibrated setting or not: the bound already pays for the sample's size (149 perfect
  // queries to claim 0.98 at 95%), which is what the old mean-based choice did not (24 perfect
  // queries at ef 10 said nothing about a rare graph miss). An effort short of the target is the
  // best measured, never below the uncalibrated setting.
  const base = !measured
    ? uncalibrated
    : measured.targetMet
      ? measured.efSearch
      : Math.max(measured.efSearch, uncalibrated);
  // The graph walk keeps ef_search candidates; fewer than `limit` could not fill the page.
  const efSearch = Math.min(MAX_EF_SEARCH, Math.max(base, input.limit));
  return measured
    ? { method: 'hnsw', efSearch, selectivity, calibration: { ...measured, band, target } }
    : { method: 'hnsw', efSearch, selectivity };
}
