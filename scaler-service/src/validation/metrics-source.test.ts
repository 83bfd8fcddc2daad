import { scaler } from '@autoserve/proto';
import { create } from '@bufbuild/protobuf';
import type { ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { metricsSourceToProto, validateMetricsSource } from './metrics-source.js';
import { validateSpec } from './spec.js';

const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as ConnectError).rawMessage;
  }
  return 'no error';
};
const RPS = 4;
const P95 = 6;
const CONNS = 8;
const src = (init: Parameters<typeof create<typeof scaler.MetricsSourceSchema>>[1]) =>
  create(scaler.MetricsSourceSchema, init);
const counter = { metricType: RPS, series: 'http_requests_total', kind: 1 };

describe('metrics source', () => {
  it('fills defaults: /metrics on the instance port, 5 s, 2 s timeout, 4 x interval window, x1000 for histograms', () => {
    const v = validateMetricsSource(
      src({ series: [counter, { metricType: P95, series: 'latency_seconds', kind: 2 }] }),
    )!;
    expect(v).toMatchObject({
      path: '/metrics',
      port: null,
      interval_ms: 5000,
      timeout_ms: 2000,
      rate_window_ms: 20_000,
    });
    expect(v.series.map((s) => [s.metric_type, s.kind, s.scale])).toEqual([
      ['rps', 'counter', 1],
      ['latency_p95', 'histogram', 1000],
    ]);
    // Round trip through the proto form.
    const back = validateMetricsSource(src(metricsSourceToProto(v)));
    expect(back).toEqual(v);
  });

  it('unset is no source; a spec without one keeps no key (older rows compare equal)', () => {
    expect(validateMetricsSource(undefined)).toBeUndefined();
    expect('metrics_source' in validateSpec(create(scaler.AppSpecSchema, { image: 'x' }))).toBe(
      false,
    );
  });

  it('rejects, naming the field: length first, then content, then meaning', () => {
    const f = (init: Parameters<typeof src>[0]) => message(() => validateMetricsSource(src(init)));
    expect(f({ path: `/${'a'.repeat(255)}`, series: [counter] })).toBe(
      'spec.metrics_source.path: must be 1..255 characters',
    );
    expect(f({ path: 'metrics', series: [counter] })).toMatch(/path: must start with "\/"/);
    expect(f({ path: '/a b', series: [counter] })).toMatch(/path: must start with/);
    expect(f({ path: '/a\0', series: [counter] })).toMatch(/path: must start with/);
    expect(f({ series: [] })).toBe('spec.metrics_source.series: must have 1..16 items');
    expect(f({ series: Array(17).fill(counter) })).toBe(
      'spec.metrics_source.series: must have at most 16 items',
    );
    expect(f({ port: 70000, series: [counter] })).toMatch(/port: must be an integer in 1..65535/);
    expect(f({ interval: { seconds: 0n, nanos: 500_000_000 }, series: [counter] })).toMatch(
      /interval: must be 1000ms..300000ms/,
    );
    expect(f({ timeout: { seconds: 6n }, series: [counter] })).toMatch(
      /timeout: must be <= interval/,
    );
    expect(f({ rateWindow: { seconds: 5n }, series: [counter] })).toMatch(
      /rate_window: must be >= 2 x interval/,
    );
    const m = (mapping: object) => f({ series: [{ ...counter, ...mapping }] });
    expect(m({ series: 'x'.repeat(201) })).toMatch(/series\[0\]\.series: must be 1..200/);
    expect(m({ series: 'http-requests' })).toMatch(/series: must be a Prometheus metric name/);
    expect(m({ kind: 0 })).toMatch(/kind: must be COUNTER, HISTOGRAM or GAUGE/);
    expect(m({ kind: 2, metricType: RPS })).toMatch(/latency_p50\/p95\/p99 only/);
    expect(m({ kind: 1, metricType: CONNS })).toMatch(/COUNTER maps to rps only/);
    expect(m({ kind: 2, metricType: P95, series: 'x_bucket' })).toMatch(/base name/);
    expect(m({ scale: 0 })).toMatch(/scale: must be > 0/);
    expect(m({ scale: Number.NaN })).toMatch(/scale: must be finite/);
    expect(m({ matchers: [{ name: '1a', value: 'x' }] })).toMatch(
      /matchers\[0\]\.name: must be a Prometheus label name/,
    );
    expect(m({ matchers: [{ name: 'a', value: 'x\0' }] })).toMatch(/value: must not contain NUL/);
    expect(m({ matchers: [{ name: 'a', value: '\ud800' }] })).toMatch(/well-formed Unicode/);
    expect(m({ matchers: [{ name: 'a', value: 'v'.repeat(256) }] })).toMatch(/at most 255/);
    expect(m({ matchers: [{ name: 'a', value: 'x', op: 9 }] })).toMatch(
      /op: must be EQUAL or NOT_EQUAL/,
    );
    expect(f({ series: [counter, counter] })).toBe(
      'spec.metrics_source.series[1].metric_type: rps is mapped twice',
    );
  });

  it('has no host field at all: the target is the instance itself', () => {
    expect(Object.keys(scaler.MetricsSourceSchema.field)).not.toContain('host');
    expect(
      validateSpec(
        create(scaler.AppSpecSchema, { image: 'x', metricsSource: { series: [counter] } }),
      ).metrics_source?.port,
    ).toBeNull();
  });
});
