import { Code } from '@connectrpc/connect';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { CallObserver } from '../grpc/adapter.js';

/**
 * The process's Prometheus registry. One per process (a service process runs
 * one service); in-process tests that start several services share it, which
 * only sums their series.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** Latency buckets in seconds: 0.5 ms (cache hits) up to 10 s (deadline-bound calls). */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

// Names and labels follow go-grpc-prometheus, so existing gRPC dashboards work.
const handled = new Counter({
  name: 'grpc_server_handled_total',
  help: 'RPCs completed on the server, by service, method and status code.',
  labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
  registers: [metricsRegistry],
});

const handling = new Histogram({
  name: 'grpc_server_handling_seconds',
  help: 'Time from the start of an RPC to its status, by service, method and status code.',
  labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

/** gRPC's upper-case code name ("OK", "NOT_FOUND") from Connect's code. */
function codeName(code: Code): string {
  if ((code as number) === 0) return 'OK';
  return (Code[code] ?? String(code)).replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * The adapter's `onCallEnd` hook that counts each finished call and records
 * its latency under `service` (the full service name).
 */
export function rpcMetricsObserver(service: string): CallObserver {
  return (method, code, durationMs) => {
    const labels = { grpc_service: service, grpc_method: method, grpc_code: codeName(code) };
    handled.inc(labels);
    handling.observe(labels, durationMs / 1000);
  };
}
