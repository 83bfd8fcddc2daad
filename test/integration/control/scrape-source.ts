import { common, scaler } from '@autoserve/proto';
import { create } from '@bufbuild/protobuf';

const { MetricType } = common;

/**
 * The metrics source for scripts/test-app: /work requests -> rps, the /work
 * latency histogram -> p95 (seconds -> ms by default), open connections.
 * The timeout is left at its default (min(2 s, interval)): an app busy with
 * CPU-bound requests on a loaded machine answers /metrics late.
 */
export function scrapedSource(opts: { intervalMs: number }) {
  const ms = (n: number) => ({ seconds: BigInt(Math.floor(n / 1000)), nanos: (n % 1000) * 1e6 });
  const work = [{ name: 'route', value: '/work', op: scaler.LabelMatchOp.EQUAL }];
  return create(scaler.MetricsSourceSchema, {
    interval: ms(opts.intervalMs),
    series: [
      {
        metricType: MetricType.RPS,
        series: 'http_requests_total',
        kind: scaler.SeriesKind.COUNTER,
        matchers: work,
      },
      {
        metricType: MetricType.LATENCY_P95,
        series: 'http_request_duration_seconds',
        kind: scaler.SeriesKind.HISTOGRAM,
        matchers: work,
      },
      {
        metricType: MetricType.ACTIVE_CONNECTIONS,
        series: 'http_open_connections',
        kind: scaler.SeriesKind.GAUGE,
      },
    ],
  });
}
