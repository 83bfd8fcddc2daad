import type { scaler } from '@autoserve/proto';
import {
  checkInt,
  checkLength,
  checkNumber,
  checkText,
  durationWholeMs,
  invalidArgument,
} from '@autoserve/runtime';
import { metricTypeCodec } from './enums.js';

/** How a scraped series is read (see SeriesKind in app.proto). */
export type SeriesKindName = 'counter' | 'histogram' | 'gauge';

/** One label condition; `ne` is "not equal". */
export interface LabelMatcherJson {
  name: string;
  value: string;
  op: 'eq' | 'ne';
}

/** One mapping of an exposition series to our metric type (database names). */
export interface SeriesMappingJson {
  metric_type: string;
  series: string;
  kind: SeriesKindName;
  matchers: LabelMatcherJson[];
  scale: number;
}

/**
 * A metrics source as stored in applications.spec.metrics_source. There is
 * deliberately no host: the scraper always targets the instance's own
 * loopback address, so a caller cannot point the Scaler at another machine.
 */
export interface MetricsSourceJson {
  path: string;
  /** null = the instance's assigned port. */
  port: number | null;
  interval_ms: number;
  timeout_ms: number;
  rate_window_ms: number;
  series: SeriesMappingJson[];
}

const KINDS: readonly (SeriesKindName | undefined)[] = [undefined, 'counter', 'histogram', 'gauge'];
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Printable ASCII without space: a request target Node sends as is. */
const PATH = /^\/[\x21-\x7e]*$/;
const LATENCY_TYPES = new Set(['latency_p50', 'latency_p95', 'latency_p99']);

function mapping(field: string, m: scaler.SeriesMapping): SeriesMappingJson {
  // Length first, then content, then meaning.
  const series = checkLength(`${field}.series`, m.series, 1, 200);
  if (m.matchers.length > 16)
    throw invalidArgument(`${field}.matchers`, 'must have at most 16 items');
  const matchers = m.matchers.map((x, i) => {
    const f = `${field}.matchers[${i}]`;
    checkLength(`${f}.name`, x.name, 1, 128);
    checkLength(`${f}.value`, x.value, 0, 255);
    if (!LABEL_NAME.test(x.name))
      throw invalidArgument(`${f}.name`, 'must be a Prometheus label name');
    checkText(`${f}.value`, x.value);
    if (x.op > 2) throw invalidArgument(`${f}.op`, 'must be EQUAL or NOT_EQUAL');
    return { name: x.name, value: x.value, op: x.op === 2 ? ('ne' as const) : ('eq' as const) };
  });
  if (!METRIC_NAME.test(series)) {
    throw invalidArgument(`${field}.series`, 'must be a Prometheus metric name');
  }
  const kind = KINDS[m.kind];
  if (!kind) throw invalidArgument(`${field}.kind`, 'must be COUNTER, HISTOGRAM or GAUGE');
  const type = metricTypeCodec.toDb(m.metricType);
  if (!type) throw invalidArgument(`${field}.metric_type`, 'must be a known metric type');
  if (kind === 'histogram' && !LATENCY_TYPES.has(type)) {
    throw invalidArgument(`${field}.metric_type`, 'a HISTOGRAM maps to latency_p50/p95/p99 only');
  }
  if (kind === 'counter' && type !== 'rps') {
    throw invalidArgument(`${field}.metric_type`, 'a COUNTER maps to rps only (a per-second rate)');
  }
  if (kind === 'histogram' && /_(bucket|sum|count)$/.test(series)) {
    throw invalidArgument(`${field}.series`, 'name the histogram by its base name (no _bucket)');
  }
  const scale =
    m.scale === undefined
      ? kind === 'histogram'
        ? 1000
        : 1
      : checkNumber(`${field}.scale`, m.scale, 0, 1e9);
  if (scale === 0) throw invalidArgument(`${field}.scale`, 'must be > 0');
  return { metric_type: type, series, kind, matchers, scale };
}

/**
 * Validates a metrics source and fills its defaults; undefined when unset.
 * `field` prefixes error paths (`spec.metrics_source.series[0].kind: ...`).
 */
export function validateMetricsSource(
  src: scaler.MetricsSource | undefined,
  field = 'spec.metrics_source',
): MetricsSourceJson | undefined {
  if (!src) return undefined;
  const path = src.path === '' ? '/metrics' : checkLength(`${field}.path`, src.path, 1, 255);
  if (!PATH.test(path)) {
    throw invalidArgument(
      `${field}.path`,
      'must start with "/" and be printable ASCII without spaces',
    );
  }
  if (src.series.length > 16)
    throw invalidArgument(`${field}.series`, 'must have at most 16 items');
  const port = src.port === 0 ? null : checkInt(`${field}.port`, src.port, 1, 65535);
  const interval = durationWholeMs(`${field}.interval`, src.interval, 5000, 1000, 300_000);
  const timeout = durationWholeMs(
    `${field}.timeout`,
    src.timeout,
    Math.min(2000, interval),
    100,
    300_000,
  );
  if (timeout > interval) {
    throw invalidArgument(`${field}.timeout`, `must be <= interval (${interval}ms)`);
  }
  const window = durationWholeMs(
    `${field}.rate_window`,
    src.rateWindow,
    4 * interval,
    2000,
    3_600_000,
  );
  if (window < 2 * interval) {
    throw invalidArgument(`${field}.rate_window`, `must be >= 2 x interval (${2 * interval}ms)`);
  }
  if (src.series.length === 0) throw invalidArgument(`${field}.series`, 'must have 1..16 items');
  const series = src.series.map((m, i) => mapping(`${field}.series[${i}]`, m));
  const seen = new Set<string>();
  for (const [i, m] of series.entries()) {
    if (seen.has(m.metric_type)) {
      throw invalidArgument(
        `${field}.series[${i}].metric_type`,
        `${m.metric_type} is mapped twice`,
      );
    }
    seen.add(m.metric_type);
  }
  return { path, port, interval_ms: interval, timeout_ms: timeout, rate_window_ms: window, series };
}

const ms = (n: number) => ({
  seconds: BigInt(Math.floor(n / 1000)),
  nanos: (n % 1000) * 1_000_000,
});

/** The proto form of a stored source (defaults filled, so a reader sees what runs). */
export function metricsSourceToProto(json: MetricsSourceJson) {
  return {
    path: json.path,
    port: json.port ?? 0,
    interval: ms(json.interval_ms),
    timeout: ms(json.timeout_ms),
    rateWindow: ms(json.rate_window_ms),
    series: json.series.map((m) => ({
      metricType: metricTypeCodec.fromDb(m.metric_type),
      series: m.series,
      kind: KINDS.indexOf(m.kind),
      matchers: m.matchers.map((x) => ({
        name: x.name,
        value: x.value,
        op: x.op === 'ne' ? 2 : 1,
      })),
      scale: m.scale,
    })),
  };
}
