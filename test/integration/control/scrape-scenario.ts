import { common, scaler } from '@autoserve/proto';
import type pg from 'pg';
import { expect } from 'vitest';
import { eventually } from '../../support/services.js';
import { startLoad } from './load.js';
import { scrapedSource } from './scrape-source.js';
import { type scalerClient, waitForScaleInToOne } from './support.js';

/**
 * Live scale-out on scraped metrics only: an auto-mode app of the Node HTTP
 * image registered with a metrics source, bounded loopback load through the
 * endpoints WatchEndpoints gives (bounded: at most 30 s), and no ingest
 * client at all. The Scaler
 * scrapes each healthy instance's /metrics, the request counter's rate
 * drives the scale-out, and the idle rate the scale-in.
 */
export async function runScrapeScaleScenario({
  pool,
  client,
}: {
  pool: pg.Pool;
  client: ReturnType<typeof scalerClient>;
}) {
  const app = 'scraped-web';
  const secs = (n: number) => ({ seconds: BigInt(n) });
  await client.registerApp({
    name: app,
    spec: { image: 'autoserve/node-http:test', metricsSource: scrapedSource({ intervalMs: 1000 }) },
    mode: scaler.AppMode.AUTO,
    scalingPolicy: {
      minReplicas: 1,
      maxReplicas: 4,
      targetRpsPerReplica: 10,
      // RPS alone decides, so the test says which metric scaled it.
      maxCpuPercent: 0,
      maxMemoryPercent: 0,
      maxP95LatencyMs: 0,
      maxConnectionsPerReplica: 0,
      evaluationWindow: secs(5),
      cooldown: secs(0),
      scaleDown: { stabilizationWindow: secs(8) },
    },
    healthCheck: {
      path: '/healthz',
      initialDelay: secs(0),
      period: secs(1),
      timeout: secs(1),
      failureThreshold: 2,
    },
    start: true,
  });
  await eventually(
    async () =>
      (await pool.query(`SELECT status FROM applications WHERE name = $1`, [app])).rows[0]
        ?.status === 'running',
    20_000,
    'the app to run with 1 healthy instance',
  );

  let endpoints: { ip: string; port: number }[] = [];
  const abort = new AbortController();
  const watching = (async () => {
    try {
      for await (const m of client.watchEndpoints({ appName: app }, { signal: abort.signal })) {
        endpoints = m.endpoints.map((e) => ({ ip: e.ip, port: e.port }));
      }
    } catch {
      // aborted
    }
  })();
  await eventually(() => endpoints.length === 1, 10_000, 'the first endpoint set');

  // Load in 3 s rounds until a scale-out has a new instance ready (at most 30 s): on a
  // machine shared with other work the offered rate varies, the semantics do not.
  const spikeAt = Date.now();
  const load = { requests: 0, errors: 0 };
  let scaledOut = false;
  for (let round = 0; round < 10; round++) {
    const r = await startLoad({
      endpoints: () => endpoints,
      clients: 6,
      workMs: 5,
      durationMs: 3000,
      onSample: () => {},
    });
    load.requests += r.requests;
    load.errors += r.errors;
    const ready = await pool.query(
      `SELECT 1 FROM instances WHERE app_name = $1 AND ready_at > $2`,
      [app, new Date(spikeAt)],
    );
    // One more round once it is ready, so the new instance serves and is scraped too.
    if (scaledOut) break;
    scaledOut = round >= 1 && ready.rowCount! > 0;
  }
  expect(load.requests).toBeGreaterThan(30);
  const out = await pool.query<{ details: { winning_metric: string; from: number; to: number } }>(
    `SELECT details FROM events WHERE app_name = $1 AND event_type = 'scaling' ORDER BY id`,
    [app],
  );
  expect(out.rows.length, 'a scale-out during the load').toBeGreaterThanOrEqual(1);
  expect(out.rows[0]!.details).toMatchObject({ winning_metric: 'rps', from: 1 });
  const ready = await pool.query<{ ready_at: Date }>(
    `SELECT ready_at FROM instances WHERE app_name = $1 AND ready_at > $2 ORDER BY ready_at`,
    [app, new Date(spikeAt)],
  );
  expect(ready.rows.length, 'new healthy instances during the load').toBeGreaterThanOrEqual(1);
  const peak = await pool.query<{ n: number }>(
    `SELECT max(desired_replicas)::int AS n FROM scaling_decisions WHERE app_name = $1 AND acted`,
    [app],
  );

  // Every RPS sample came from the scraper, one series per instance that served.
  const rps = await pool.query<{ instances: number; scraped: number; total: number }>(
    `SELECT count(DISTINCT instance_id)::int AS instances,
            count(*) FILTER (WHERE labels->>'source' = 'scrape')::int AS scraped,
            count(*)::int AS total
       FROM metrics WHERE app_name = $1 AND metric_type = 'rps'`,
    [app],
  );
  expect(rps.rows[0]!.scraped).toBe(rps.rows[0]!.total);
  expect(rps.rows[0]!.instances).toBeGreaterThanOrEqual(2);

  // Load stops: the scraped rate falls to 0 and it scales in after the 8 s window.
  const scaleInMs = await waitForScaleInToOne(pool, app);
  abort.abort();
  await watching;
  const explained = await client.explainScaling({ appName: app });
  const proposal = explained.decision?.proposals.find(
    (p) => p.metricType === common.MetricType.RPS,
  );
  expect(proposal?.currentValue).toBe(0);
  const figures = {
    spikeToFirstHealthyMs: ready.rows[0]!.ready_at.getTime() - spikeAt,
    peakDesiredReplicas: peak.rows[0]!.n,
    scaleInAfterLoadMs: scaleInMs,
    requests: load.requests,
    errors: load.errors,
    scrapedRpsSamples: rps.rows[0]!.scraped,
  };
  console.log(JSON.stringify({ scrapeScenario: figures }));
  return figures;
}
