/**
 * The demo app's metrics source: the Scaler scrapes each healthy instance's
 * /metrics (scripts/test-app) every second and maps its /work request counter
 * to RPS, its /work latency histogram to p95 (seconds -> ms) and its open
 * connections gauge. No one calls the ingest RPCs.
 */
import { common, scaler } from '@autoserve/proto';

const work = [{ name: 'route', value: '/work', op: scaler.LabelMatchOp.EQUAL }];

export const DEMO_METRICS_SOURCE = {
  path: '/metrics',
  interval: { seconds: 1n },
  series: [
    {
      metricType: common.MetricType.RPS,
      series: 'http_requests_total',
      kind: scaler.SeriesKind.COUNTER,
      matchers: work,
    },
    {
      metricType: common.MetricType.LATENCY_P95,
      series: 'http_request_duration_seconds',
      kind: scaler.SeriesKind.HISTOGRAM,
      matchers: work,
    },
    {
      metricType: common.MetricType.ACTIVE_CONNECTIONS,
      series: 'http_open_connections',
      kind: scaler.SeriesKind.GAUGE,
    },
  ],
};
