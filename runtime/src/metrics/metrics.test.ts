import { Code } from '@connectrpc/connect';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  observePool,
  recordCacheLookup,
  recordIngest,
  recordReplicaLag,
  recordScalingDecision,
  recordScrape,
  timeControlLoop,
} from './index.js';
import { rpcMetricsObserver } from './registry.js';
import { type MetricsServer, startMetricsServer } from './server.js';

describe('metrics', () => {
  let server: MetricsServer;
  beforeAll(async () => {
    server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await server.close();
  });
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };

  it('serves RPC counts and latency by method and gRPC code name', async () => {
    const observe = rpcMetricsObserver('test.v1.TestService');
    observe('GetThing', 0 as Code, 3);
    observe('GetThing', Code.NotFound, 1);
    const text = await scrape();
    expect(text).toContain(
      'grpc_server_handled_total{grpc_service="test.v1.TestService",grpc_method="GetThing",grpc_code="OK"} 1',
    );
    expect(text).toContain('grpc_code="NOT_FOUND"');
    expect(text).toMatch(
      /grpc_server_handling_seconds_bucket\{le="0\.005",grpc_service="test\.v1\.TestService",grpc_method="GetThing",grpc_code="OK"\} 1/,
    );
  });

  it('serves the domain series the services record', async () => {
    recordReplicaLag(1.5);
    recordCacheLookup('similar', true);
    recordCacheLookup('similar', false);
    recordIngest(500, 'unary');
    recordScrape(true, 0.003);
    recordScrape(false, 2);
    timeControlLoop('reconcile')();
    recordScalingDecision('scale_up', 'rps');
    const text = await scrape();
    expect(text).toContain('autoserve_replica_lag_seconds 1.5');
    expect(text).toContain('autoserve_cache_requests_total{cache="similar",result="hit"} 1');
    expect(text).toContain('autoserve_ingest_samples_total{transport="unary"} 500');
    expect(text).toContain('autoserve_scrapes_total{result="ok"} 1');
    expect(text).toContain('autoserve_scrapes_total{result="failed"} 1');
    expect(text).toContain('autoserve_scrape_duration_seconds_count 2');
    expect(text).toContain('autoserve_control_loop_duration_seconds_count{phase="reconcile"} 1');
    expect(text).toContain('autoserve_scaling_decisions_total{action="scale_up",reason="rps"} 1');
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('reports pool usage until the pool is unobserved', async () => {
    // A pool that never connects: counts come from the pool object alone.
    const pool = new pg.Pool({ max: 7 });
    const stop = observePool('primary', pool);
    let text = await scrape();
    expect(text).toContain('autoserve_db_pool_connections{pool="primary",state="idle"} 0');
    expect(text).toContain('autoserve_db_pool_max_connections{pool="primary"} 7');
    stop();
    text = await scrape();
    expect(text).not.toContain('pool="primary"');
    await pool.end();
  });

  it('answers 404 off /metrics', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(res.status).toBe(404);
  });
});
