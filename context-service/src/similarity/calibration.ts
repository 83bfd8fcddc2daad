import { recallLowerBound } from './recall-bound.js';

/**
 * Self-calibrated search effort: for each embedder and selectivity band, the recall@k the HNSW
 * scan reached at each ef_search on a sample of the stored vectors, against exact top-k of the
 * same queries. The plan asks this curve for the smallest ef that reaches the recall it wants,
 * instead of a constant table fitted to one dataset (which gave 0.87 where it promised 0.98 on
 * data built differently).
 */

/** Selectivity bands a filter's estimated fraction of rows falls in (upper bounds, inclusive). */
export const BANDS = [
  { name: '100%', min: 0.5 },
  { name: '10-50%', min: 0.1 },
  { name: '1-10%', min: 0.01 },
  { name: '<1%', min: 0 },
] as const;

export type BandName = (typeof BANDS)[number]['name'];

/** The band of a selectivity (fraction of rows the filters keep, 0..1). */
export function bandOf(selectivity: number): BandName {
  for (const b of BANDS) if (selectivity >= b.min) return b.name;
  return '<1%';
}

/** ef_search values measured, smallest first (pgvector's range is 1..1000). */
export const EF_LADDER = [10, 20, 40, 64, 100, 160, 250, 400, 640, 1000] as const;

/**
 * Measured recall of one band, or of one namespace's own filter, at each ef. A namespace gets a
 * curve of its own because a band mixes filters that behave differently: a namespace made of
 * whole clusters starves a filtered graph walk that a random namespace of the same size does not.
 */
export interface BandCurve {
  band: BandName;
  /** Set when the queries were filtered by exactly this namespace. */
  namespace?: string | undefined;
  /** Queries measured. */
  sampleSize: number;
  /** Confidence of each point's lower bound (e.g. 0.95). */
  confidence: number;
  /**
   * [ef, mean recall, min recall, lower confidence bound on mean recall], ef ascending. The bound
   * (recall-bound.ts) is what the plan trusts; the mean is what the sample saw.
   */
  points: [ef: number, mean: number, min: number, lower: number][];
  /** When it was measured (epoch ms). */
  measuredAt: number;
}

/** A neighbour: its id and its distance from the query. */
export interface Scored {
  id: string;
  distance: number;
}

/**
 * recall@k of one answer against the exact answer. A returned row counts when it is in the exact
 * top-k or as near as its k-th row: rows at equal distance (exact copies, near-duplicates) are
 * interchangeable answers, and counting only the ids the exact scan happened to list would call
 * a correct answer a miss and push the chosen effort up for nothing.
 */
export function recallOf(got: readonly Scored[], exact: readonly Scored[]): number {
  if (exact.length === 0) return 1;
  const want = new Set(exact.map((e) => e.id));
  const kth = exact[exact.length - 1]!.distance;
  let hit = 0;
  for (const g of got) if (want.has(g.id) || g.distance <= kth + TIE_EPSILON) hit++;
  return Math.min(1, hit / exact.length);
}

/** Distances closer than this are ties (float4 vectors, float8 arithmetic). */
const TIE_EPSILON = 1e-6;

/**
 * Builds a curve from per-query recalls at each ef (recalls[q][e] for efs[e]), with each point's
 * lower confidence bound at `confidence`.
 */
export function curveOf(
  band: BandName,
  efs: readonly number[],
  recalls: readonly (readonly number[])[],
  measuredAt: number,
  confidence: number,
  namespace?: string,
): BandCurve {
  const n = recalls.length;
  const points = efs.map((ef, e): [number, number, number, number] => {
    const col = recalls.map((r) => r[e]!);
    const mean = col.reduce((a, b) => a + b, 0) / Math.max(1, n);
    return [ef, mean, n ? Math.min(...col) : 0, recallLowerBound(mean, n, confidence)];
  });
  return { band, namespace, sampleSize: n, confidence, points, measuredAt };
}

/** What the plan takes from a curve for a target recall. */
export interface EffortChoice {
  efSearch: number;
  /** Mean recall measured at that ef. */
  recall: number;
  /** Lower confidence bound on mean recall at that ef. */
  lowerBound: number;
  /** Confidence of the bound. */
  confidence: number;
  /** True when the lower bound reaches the target. */
  targetMet: boolean;
}

/**
 * The ef whose recall claim holds on fresh queries: the smallest ef whose lower confidence bound
 * reaches `target`, found by fixed-sequence testing from the largest ef down (each ef tested at
 * the full confidence, stopping at the first that fails; the order is fixed before the data, so
 * the chosen ef's claim holds at `confidence` although ten efs were looked at, where "the first
 * ef from the bottom that passes" would pick the luckiest of ten). When the largest ef fails, it
 * is the best this index can do and the choice says the target was not met.
 * A sample mean is not a criterion: 24 perfect queries at ef 40 claimed 0.996 and the bench
 * measured 0.970 there.
 */
export function effortFor(curve: BandCurve, target: number): EffortChoice | undefined {
  if (curve.points.length === 0 || curve.sampleSize === 0) return undefined;
  let chosen = curve.points.length - 1;
  let met = false;
  for (let i = curve.points.length - 1; i >= 0; i--) {
    if (curve.points[i]![3] < target) break;
    chosen = i;
    met = true;
  }
  const [ef, mean, , lower] = curve.points[chosen]!;
  return {
    efSearch: ef,
    recall: mean,
    lowerBound: lower,
    confidence: curve.confidence,
    targetMet: met,
  };
}

/** An embedder's calibration: a curve per selectivity band and per large namespace. */
export interface CalibrationSet {
  bands: ReadonlyMap<BandName, BandCurve>;
  namespaces: ReadonlyMap<string, BandCurve>;
}

/**
 * The curve for a filter: the namespace's own when the filter is exactly one calibrated
 * namespace (other terms make it a different, smaller filter), else the band's.
 */
export function curveFor(
  set: CalibrationSet,
  band: BandName,
  namespaceOnly: string | undefined,
): BandCurve | undefined {
  const own = namespaceOnly === undefined ? undefined : set.namespaces.get(namespaceOnly);
  if (own && own.sampleSize > 0) return own;
  return curveForBand(set.bands, band);
}

/**
 * The curve to use for a band: its own, else the nearest measured band towards 100% (a broader
 * filter's graph walk is the easier case, so its ef is a lower bound), else undefined.
 */
export function curveForBand(
  curves: ReadonlyMap<BandName, BandCurve>,
  band: BandName,
): BandCurve | undefined {
  const own = curves.get(band);
  if (own && own.sampleSize > 0) return own;
  const i = BANDS.findIndex((b) => b.name === band);
  for (let j = i - 1; j >= 0; j--) {
    const c = curves.get(BANDS[j]!.name);
    if (c && c.sampleSize > 0) return c;
  }
  return undefined;
}
