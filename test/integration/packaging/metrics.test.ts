import { Writable } from 'node:stream';
import { loadConfig as loadContextConfig, startContextService } from '@autoserve/context-service';
import { createContextClient, createScalerClient } from '@autoserve/proto';
import type { RunningService } from '@autoserve/runtime';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceEnv, startScaler, TOKENS } from '../../support/services.js';

const db = inject('db');

const SERIES = [
  'grpc_server_handled_total',
  'grpc_server_handling_seconds',
  'autoserve_db_pool_connections',
  'autoserve_db_pool_max_connections',
  'autoserve_replica_lag_seconds',
  'autoserve_cache_requests_total',
  'autoserve_ingest_samples_total',
  'autoserve_control_loop_duration_seconds',
  'autoserve_scaling_decisions_total',
  'process_cpu_seconds_total',
];

describe('observability', () => {
  let scaler: RunningService;
  let context: RunningService;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    // The Context service logs into memory so the test can read its lines.
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = loadContextConfig(serviceEnv(db, { LOG_LEVEL: 'info' }));
    [scaler, context] = await Promise.all([
      startScaler(db),
      startContextService(config, pino({ level: 'info' }, sink)),
    ]);
  });
  afterAll(async () => {
    await Promise.all([scaler?.stop(), context?.stop()]);
  });

  it('serves /metrics per service with the listed series', async () => {
    const client = createContextClient({
      baseUrl: `http://127.0.0.1:${context.port}`,
      token: TOKENS.read,
    });
    const scalerClient = createScalerClient({
      baseUrl: `http://127.0.0.1:${scaler.port}`,
      token: TOKENS.read,
    });
    try {
      await client.listRemediationHistory({ namespace: 'metrics-test' });
      await scalerClient.listApps({}).catch(() => undefined);
    } finally {
      client.close();
      scalerClient.close();
    }
    for (const svc of [context, scaler]) {
      expect(svc.metricsPort).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${svc.metricsPort}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      for (const name of SERIES) expect(text, name).toContain(`# TYPE ${name} `);
    }
    const text = await (await fetch(`http://127.0.0.1:${context.metricsPort}/metrics`)).text();
    expect(text).toMatch(
      /grpc_server_handled_total\{grpc_service="autoserve.context.v1.ContextService",grpc_method="ListRemediationHistory",grpc_code="OK"\} \d+/,
    );
    expect(text).toMatch(
      /grpc_server_handling_seconds_bucket\{le="[\d.]+",[^}]*ListRemediationHistory/,
    );
    expect(text).toMatch(/autoserve_db_pool_connections\{pool="replica",state="total"\} \d+/);
  });

  it('logs the trace id of a W3C traceparent sent as metadata', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const spanId = '00f067aa0ba902b7';
    const client = createContextClient({
      baseUrl: `http://127.0.0.1:${context.port}`,
      token: TOKENS.read,
      interceptors: [
        (next) => (req) => {
          req.header.set('traceparent', `00-${traceId}-${spanId}-01`);
          return next(req);
        },
      ],
    });
    try {
      await client.listRemediationHistory({ namespace: 'trace-test' });
    } finally {
      client.close();
    }
    const line = lines.find(
      (l) => l.msg === 'rpc' && String(l.rpc).endsWith('/ListRemediationHistory') && l.trace_id,
    );
    expect(line).toMatchObject({ trace_id: traceId, parent_span_id: spanId, code: 'OK' });
  });
});
