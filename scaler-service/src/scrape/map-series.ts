import type { MetricsSourceJson, SeriesMappingJson } from '../validation/metrics-source.js';
import { matchesLabels, seriesKey } from './match.js';
import {
  type Bucket,
  type CounterPoint,
  counterIncrease,
  histogramQuantile,
  parseBound,
  pushCounter,
} from './math.js';
import type { Exposition } from './parse.js';

/** A value for one of our metric types, from one scrape of one instance. */
export interface MappedValue {
  metricType: string;
  value: number;
}

/**
 * What one instance's scrapes remember between scrapes: per mapping, the
 * windowed points of each counter series (a histogram's buckets are counters
 * too). Series absent from a scrape are forgotten.
 */
export interface InstanceSeriesState {
  /** The source the state was built for; another one starts afresh. */
  sourceKey: string;
  mappings: Map<string, CounterPoint[]>[];
}

/** Most series one mapping may match on one instance (memory bound). */
export const MAX_SERIES_PER_MAPPING = 1000;

const QUANTILES: Record<string, number> = {
  latency_p50: 0.5,
  latency_p95: 0.95,
  latency_p99: 0.99,
};

export function newInstanceState(source: MetricsSourceJson): InstanceSeriesState {
  return { sourceKey: JSON.stringify(source), mappings: source.series.map(() => new Map()) };
}

/** Windows the counter series that match, keyed by `key(labels)`; returns them or an error. */
function trackCounters(
  state: Map<string, CounterPoint[]>,
  samples: readonly { labels: Record<string, string>; value: number }[],
  m: SeriesMappingJson,
  t: number,
  windowMs: number,
  key: (labels: Record<string, string>) => string,
): string | undefined {
  const seen = new Set<string>();
  for (const s of samples) {
    if (!matchesLabels(s.labels, m.matchers) || !Number.isFinite(s.value) || s.value < 0) continue;
    const k = key(s.labels);
    if (seen.has(k)) continue;
    if (seen.size >= MAX_SERIES_PER_MAPPING) {
      return `${m.series}: more than ${MAX_SERIES_PER_MAPPING} matching series`;
    }
    seen.add(k);
    let points = state.get(k);
    if (!points) {
      points = [];
      state.set(k, points);
    }
    pushCounter(points, t, s.value, windowMs);
  }
  for (const k of state.keys()) if (!seen.has(k)) state.delete(k);
  return undefined;
}

/**
 * Maps one scrape (taken at `t`) to our metric types, updating `state`.
 * Counter: the sum over matching series of each one's rate over the window
 * (sum(rate(x[w]))). Histogram: the quantile of the buckets' increases over
 * the window summed by `le` (histogram_quantile(q, sum by (le)
 * (rate(x_bucket[w])))). Gauge: the sum of the matching values. A mapping
 * with nothing to report yet (first scrape, no requests in the window, no
 * matching series) yields no value rather than a zero it did not observe.
 */
export function mapScrape(
  exposition: Exposition,
  source: MetricsSourceJson,
  state: InstanceSeriesState,
  t: number,
): { values: MappedValue[]; errors: string[] } {
  const values: MappedValue[] = [];
  const errors: string[] = [];
  source.series.forEach((m, i) => {
    const s = state.mappings[i]!;
    let value: number | undefined;
    if (m.kind === 'gauge') {
      const matching = (exposition.get(m.series) ?? []).filter((x) =>
        matchesLabels(x.labels, m.matchers),
      );
      if (matching.length > 0) value = matching.reduce((a, x) => a + x.value, 0);
    } else if (m.kind === 'counter') {
      const err = trackCounters(
        s,
        exposition.get(m.series) ?? [],
        m,
        t,
        source.rate_window_ms,
        (l) => seriesKey(l),
      );
      if (err) errors.push(err);
      let sum = 0;
      let any = false;
      for (const points of s.values()) {
        const r = counterIncrease(points);
        if (!r || r.spanMs <= 0) continue;
        sum += r.increase / (r.spanMs / 1000);
        any = true;
      }
      if (any) value = sum;
    } else {
      const buckets = (exposition.get(`${m.series}_bucket`) ?? []).filter(
        (x) => x.labels.le !== undefined && !Number.isNaN(parseBound(x.labels.le)),
      );
      const err = trackCounters(
        s,
        buckets,
        m,
        t,
        source.rate_window_ms,
        (l) => `${seriesKey(l, 'le')}\u0002${parseBound(l.le!)}`,
      );
      if (err) errors.push(err);
      const byBound = new Map<number, number>();
      for (const [k, points] of s) {
        const r = counterIncrease(points);
        if (!r) continue;
        const bound = Number(k.slice(k.lastIndexOf('\u0002') + 1));
        byBound.set(bound, (byBound.get(bound) ?? 0) + r.increase);
      }
      const list: Bucket[] = [...byBound].map(([upperBound, count]) => ({ upperBound, count }));
      const q = histogramQuantile(QUANTILES[m.metric_type] ?? 0.95, list);
      if (Number.isFinite(q)) value = q;
    }
    // Scaling can overflow a huge exposed value: only finite values leave here.
    const scaled = value === undefined ? Number.NaN : Math.max(0, value * m.scale);
    if (Number.isFinite(scaled)) values.push({ metricType: m.metric_type, value: scaled });
    else if (value !== undefined) errors.push(`${m.series}: value out of range`);
  });
  return { values, errors };
}
