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

/** Measured recall of one band at each ef. */
export interface BandCurve {
  band: BandName;
  /** Queries measured. */
  sampleSize: number;
  /** [ef, mean recall, min recall], ef ascending. */
  points: [ef: number, mean: number, min: number][];
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

/** Builds a band's curve from per-query recalls at each ef (recalls[q][e] for EF_LADDER[e]). */
export function curveOf(
  band: BandName,
  efs: readonly number[],
  recalls: readonly (readonly number[])[],
  measuredAt: number,
): BandCurve {
  const points = efs.map((ef, e): [number, number, number] => {
    const col = recalls.map((r) => r[e]!);
    const mean = col.reduce((a, b) => a + b, 0) / Math.max(1, col.length);
    return [ef, mean, col.length ? Math.min(...col) : 0];
  });
  return { band, sampleSize: recalls.length, points, measuredAt };
}

/** What the plan takes from a curve for a target recall. */
export interface EffortChoice {
  efSearch: number;
  /** Mean recall measured at that ef. */
  recall: number;
  /** False when even the largest ef measured stayed below the target. */
  targetMet: boolean;
}

/**
 * The smallest ef whose measured mean recall reaches `target`; the largest measured when none
 * does (the best this index can do; the response says the target was not met).
 */
export function effortFor(curve: BandCurve, target: number): EffortChoice | undefined {
  if (curve.points.length === 0 || curve.sampleSize === 0) return undefined;
  for (const [ef, mean] of curve.points) {
    if (mean >= target) return { efSearch: ef, recall: mean, targetMet: true };
  }
  const [ef, mean] = curve.points[curve.points.length - 1]!;
  return { efSearch: ef, recall: mean, targetMet: false };
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
