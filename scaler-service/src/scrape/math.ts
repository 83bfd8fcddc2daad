/**
 * The arithmetic of scraped series, kept pure (a clock and numbers in,
 * numbers out) so it is unit-tested against PromQL's documented behaviour.
 */

/** One scrape of a counter: time (ms) and the reset-adjusted running total. */
export interface CounterPoint {
  t: number;
  /** Raw value as exposed (to detect the next reset). */
  raw: number;
  /** Sum of every increase seen so far: never decreases across resets. */
  adjusted: number;
}

/**
 * Appends a scrape of a counter. A value below the previous one is a reset
 * (the process restarted and counts from 0 again), so the increase is the
 * new value itself, as PromQL's rate()/increase() take it. Points older than
 * `windowMs` before `t` are dropped; at most `maxPoints` are kept.
 */
export function pushCounter(
  points: CounterPoint[],
  t: number,
  raw: number,
  windowMs: number,
  maxPoints = 256,
): void {
  const last = points.at(-1);
  if (last && t <= last.t) return; // out of order or duplicate scrape: ignore
  const adjusted = last ? last.adjusted + (raw >= last.raw ? raw - last.raw : raw) : 0;
  points.push({ t, raw, adjusted });
  let drop = 0;
  while (drop < points.length - 1 && points[drop]!.t < t - windowMs) drop++;
  drop = Math.max(drop, points.length - maxPoints);
  if (drop > 0) points.splice(0, drop);
}

/**
 * Increase and covered span of a counter over the points kept (the window).
 * Undefined with fewer than two points. Unlike PromQL, no extrapolation to
 * the window's edges: the rate is over the time actually observed.
 */
export function counterIncrease(
  points: readonly CounterPoint[],
): { increase: number; spanMs: number } | undefined {
  if (points.length < 2) return undefined;
  const first = points[0]!;
  const last = points.at(-1)!;
  return { increase: last.adjusted - first.adjusted, spanMs: last.t - first.t };
}

/** Per-second rate over the window, or undefined without two points. */
export function counterRate(points: readonly CounterPoint[]): number | undefined {
  const r = counterIncrease(points);
  if (!r || r.spanMs <= 0) return undefined;
  return r.increase / (r.spanMs / 1000);
}

/** One cumulative bucket: observations <= upperBound. */
export interface Bucket {
  upperBound: number;
  count: number;
}

/**
 * The q-quantile of a classic histogram from its cumulative buckets, with
 * the semantics of PromQL's histogram_quantile (promql/quantile.go,
 * bucketQuantile): buckets sorted by upper bound, equal bounds merged, the
 * counts forced monotonic; NaN without a +Inf bucket, with fewer than two
 * buckets or no observations; linear interpolation inside the bucket the
 * rank falls in, the lower edge of the first bucket being 0 (or its upper
 * bound when that is <= 0); a rank in the +Inf bucket returns the highest
 * finite upper bound.
 */
export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted.length === 0 || sorted.at(-1)!.upperBound !== Number.POSITIVE_INFINITY) {
    return Number.NaN;
  }
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const prev = buckets.at(-1);
    if (prev && prev.upperBound === b.upperBound) prev.count += b.count;
    else buckets.push({ ...b });
  }
  for (let i = 1; i < buckets.length; i++) {
    if (buckets[i]!.count < buckets[i - 1]!.count) buckets[i]!.count = buckets[i - 1]!.count;
  }
  if (buckets.length < 2) return Number.NaN;
  const observations = buckets.at(-1)!.count;
  if (!(observations > 0)) return Number.NaN;
  let rank = q * observations;
  // First bucket (excluding +Inf) whose count reaches the rank; the +Inf index if none.
  let b = buckets.length - 1;
  for (let i = 0; i < buckets.length - 1; i++) {
    if (buckets[i]!.count >= rank) {
      b = i;
      break;
    }
  }
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let start = 0;
  let count = buckets[b]!.count;
  if (b > 0) {
    start = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return start + (buckets[b]!.upperBound - start) * (rank / count);
}

/** Parses an exposition's `le` label value ("0.5", "+Inf", "1e-3"); NaN when not a number. */
export function parseBound(le: string): number {
  if (le === '+Inf' || le === 'Inf' || le === 'inf' || le === '+inf') {
    return Number.POSITIVE_INFINITY;
  }
  return sampleValue(le);
}

/** An exposition sample value as a number (Prometheus spells infinities +Inf/-Inf). */
export function sampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text.trim() === '') return Number.NaN;
  return Number(text);
}
