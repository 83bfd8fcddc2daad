import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, scaler } from '@autoserve/proto';
import type { RunningService } from '@autoserve/runtime';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createProcessRuntime } from '../../../scaler-service/src/runtime/process.js';
import { REPO } from '../../support/cluster.js';
import { createTestDatabase, dropTestDatabase, type TestDb } from '../../support/database.js';
import { eventually } from '../../support/services.js';
import { scrapedSource } from './scrape-source.js';
import { controlEnv, ownerPool, scalerClient, startControlScaler } from './support.js';

const { MetricType } = common;
// A real Scaler (process runtime) scrapes the test app's real /metrics; no ingest client at all.
const cluster = inject('cluster');
const dir = mkdtempSync(join(tmpdir(), 'autoserve-scrape-'));
let db: TestDb;
let pool: pg.Pool;
let svc: RunningService;
let client: ReturnType<typeof scalerClient>;

beforeAll(async () => {
  db = await createTestDatabase(
    cluster,
    `autoserve_scrape_${process.pid}_${Date.now().toString(36)}`,
  );
  pool = await ownerPool(db);
  svc = await startControlScaler(
    db,
    controlEnv({
      owner: `scrape-${process.pid}`,
      runtime: 'process',
      ports: [31500, 31599],
      extra: { SCALER_PROCESS_DIR: dir, SCALER_SCRAPE_TICK: '100ms' },
    }),
  );
  client = scalerClient(svc.port);
});

afterAll(async () => {
  await svc?.stop();
  const rt = createProcessRuntime({ dir });
  for (const i of await rt.list()) await rt.remove(i.id);
  rmSync(dir, { recursive: true, force: true });
  await pool?.end();
  if (db) await dropTestDatabase(cluster, db.name);
});

async function hammer(port: number, ms: number) {
  const until = Date.now() + ms;
  let n = 0;
  const loop = async () => {
    while (Date.now() < until) {
      const r = await fetch(`http://127.0.0.1:${port}/work?ms=2`);
      await r.arrayBuffer();
      n++;
    }
  };
  await Promise.all([loop(), loop()]);
  return n;
}

describe('metrics source with a real app and a real Scaler', () => {
  it('scraped RPS, p95 and connections show up in GetMetricWindows and ExplainScaling', async () => {
    const reg = await client.registerApp({
      name: 'scraped',
      spec: {
        command: [process.execPath, `${REPO}/scripts/test-app/server.js`],
        metricsSource: scrapedSource({ intervalMs: 1000 }),
      },
      mode: scaler.AppMode.MANUAL,
      initialReplicas: 1,
      scalingPolicy: { minReplicas: 1, maxReplicas: 3, targetRpsPerReplica: 1000 },
      healthCheck: {
        path: '/healthz',
        initialDelay: { seconds: 0n },
        period: { seconds: 1n },
        timeout: { seconds: 1n },
      },
      start: true,
    });
    // The source comes back with its defaults filled in.
    expect(reg.app?.spec?.metricsSource?.path).toBe('/metrics');
    expect(reg.app?.spec?.metricsSource?.rateWindow?.seconds).toBe(4n);
    let inst: { id: number; port: number } | undefined;
    await eventually(
      async () => {
        const r = await pool.query<{ id: number; port: number }>(
          `SELECT id, port FROM instances WHERE app_name = 'scraped' AND health_status = 'healthy'`,
        );
        inst = r.rows[0];
        return inst !== undefined;
      },
      20_000,
      'a healthy instance',
    );
    const served = await hammer(inst!.port, 4000);
    expect(served).toBeGreaterThan(50);

    const byType = async () => {
      const { windows } = await client.getMetricWindows({
        appName: 'scraped',
        window: { seconds: 30n },
      });
      return new Map(windows.map((w) => [w.metricType, w]));
    };
    await eventually(
      async () => {
        const w = await byType();
        return (w.get(MetricType.RPS)?.max ?? 0) > 5 && w.has(MetricType.LATENCY_P95);
      },
      10_000,
      'scraped rps and p95 in GetMetricWindows',
    );
    const w = await byType();
    expect(w.get(MetricType.ACTIVE_CONNECTIONS)?.dataPoints).toBeGreaterThan(0n);
    // p95 of 2 ms of work: a few ms, from the buckets, in milliseconds.
    expect(w.get(MetricType.LATENCY_P95)!.max).toBeGreaterThan(0);
    expect(w.get(MetricType.LATENCY_P95)!.max).toBeLessThan(250);

    // Stored per instance, through the ingest path, marked as scraped.
    const rows = await pool.query(
      `SELECT DISTINCT instance_id, aggregation_level, labels->>'source' AS source
         FROM metrics WHERE app_name = 'scraped'
          AND metric_type IN ('rps', 'latency_p95', 'active_connections')`,
    );
    expect(rows.rows).toEqual([
      { instance_id: inst!.id, aggregation_level: 'instance', source: 'scrape' },
    ]);

    const explained = await client.explainScaling({ appName: 'scraped' });
    const rps = explained.decision?.proposals.find((p) => p.metricType === MetricType.RPS);
    expect(rps, JSON.stringify(explained.decision?.reasons)).toBeDefined();
    expect(rps!.currentValue).toBeGreaterThan(0);
  });

  it('changing only the metrics source keeps the generation and rolls nothing', async () => {
    const before = await client.getApp({ name: 'scraped' });
    const ids = await pool.query(`SELECT id FROM instances WHERE app_name = 'scraped'`);
    const spec = { ...before.app!.spec!, metricsSource: scrapedSource({ intervalMs: 2000 }) };
    const after = await client.updateApp({ name: 'scraped', spec });
    expect(after.app?.generation).toBe(before.app?.generation);
    expect(after.app?.status).toBe(scaler.AppStatus.RUNNING);
    expect(after.app?.spec?.metricsSource?.interval?.seconds).toBe(2n);
    await new Promise((r) => setTimeout(r, 1500));
    const now = await pool.query(`SELECT id FROM instances WHERE app_name = 'scraped'`);
    expect(now.rows).toEqual(ids.rows);
    // Any other spec change is a new generation.
    const env = await client.updateApp({ name: 'scraped', spec: { ...spec, env: { A: '1' } } });
    expect(env.app?.generation).toBe(before.app!.generation + 1n);
  });
});
