import { common, type ScalerService } from '@autoserve/proto';
import { listMetricWindows } from '@autoserve/runtime/model';
import type { Client } from '@connectrpc/connect';
import pg from 'pg';
import { metricTypeCodec } from '../../scaler-service/src/validation/enums.js';
import { percentile } from './ingest-setup.js';
import { progress } from './progress.js';

const TYPES = ['cpu_percent', 'memory_percent', 'rps', 'latency_p95'];
/** Seconds of the newest data, written by seedRecent(). */
const RECENT_S = 600;
/** Samples may be up to 5 minutes ahead (clock skew); the recent seed uses that so the
 * measured windows stay full for the few minutes the latency runs take. */
const AHEAD_S = 300;

async function seedRecent(c: pg.Client, apps: string[]): Promise<void> {
  await c.query(
    `INSERT INTO metrics (app_name, instance_id, metric_type, timestamp, value, unit, aggregation_level)
     SELECT a, 1 + ((g + ${AHEAD_S}) % 10), t, now() - make_interval(secs => g), ((g + ${AHEAD_S}) * 7919 % 1000) / 10.0, '%', 'instance'
       FROM generate_series($3::int, $4::int) AS g
      CROSS JOIN unnest($1::text[]) AS a
      CROSS JOIN unnest($2::text[]) AS t`,
    [apps, TYPES, -AHEAD_S, RECENT_S - 1],
  );
}

/**
 * Seeds `rows` metrics rows: every app x 4 types, one sample per second per
 * series going back in time from now (time-major, so apps interleave as in
 * real ingest), into daily partitions created for the days covered. The
 * newest 15 minutes are written last by seedRecent(), right before the
 * latency runs, so the measured windows hold data (a bulk seed takes
 * minutes, which would leave "the last 60 s" empty).
 */
export async function seedRows(ownerUrl: string, apps: string[], rows: number) {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  await c.query('TRUNCATE metrics');
  const perSeries = Math.ceil(rows / (apps.length * TYPES.length));
  // Daily partitions for the seeded days (ensure_partitions only creates today onward).
  await c.query(
    `DO $$
     DECLARE d date;
     BEGIN
       FOR d IN SELECT generate_series((now() - make_interval(secs => ${perSeries + 86400}))::date, now()::date, '1 day')::date LOOP
         IF to_regclass('metrics_p' || to_char(d, 'YYYYMMDD')) IS NULL THEN
           EXECUTE format('CREATE TABLE %I PARTITION OF metrics FOR VALUES FROM (%L) TO (%L)',
                          'metrics_p' || to_char(d, 'YYYYMMDD'), d::timestamptz, (d + 1)::timestamptz);
         END IF;
       END LOOP;
     END $$`,
  );
  const chunks = 20;
  const step = Math.ceil(perSeries / chunks);
  const bar = progress(
    'seed metrics (generate_series)',
    (perSeries - RECENT_S) * apps.length * TYPES.length,
  );
  const t0 = performance.now();
  for (let s = RECENT_S; s < perSeries; s += step) {
    const hi = Math.min(perSeries, s + step) - 1;
    await c.query(
      `INSERT INTO metrics (app_name, instance_id, metric_type, timestamp, value, unit, aggregation_level)
       SELECT a, 1 + (g % 10), t, now() - make_interval(secs => g), (g * 7919 % 1000) / 10.0, '%', 'instance'
         FROM generate_series($3::int, $4::int) AS g
        CROSS JOIN unnest($1::text[]) AS a
        CROSS JOIN unnest($2::text[]) AS t`,
      [apps, TYPES, s, hi],
    );
    bar.tick((hi - s + 1) * apps.length * TYPES.length);
  }
  bar.done();
  await c.query('ANALYZE metrics');
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  // The recent rows are counted in: seedRecent() writes them before measuring.
  const n =
    Number((await c.query('SELECT count(*) AS n FROM metrics')).rows[0].n) +
    (RECENT_S + AHEAD_S) * apps.length * TYPES.length;
  await c.end();
  return { rows: n, seconds };
}

const summarize = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    calls: s.length,
    p50: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
    p99: r(percentile(s, 99)),
  };
};

async function timed(n: number, call: (i: number) => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call(i);
    ms.push(performance.now() - t);
  }
  return summarize(ms);
}

/**
 * GetMetricWindows latency (random app, every type) through gRPC and the
 * same SQL directly; first with fresh pages (not yet vacuumed: heap visits
 * for visibility), then after VACUUM (index-only scans).
 */
export async function windowLatency(
  client: Client<typeof ScalerService>,
  ownerUrl: string,
  apps: string[],
  n: number,
) {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  await seedRecent(c, apps);
  const app = (i: number) => apps[(i * 7) % apps.length]!;
  const all = [...metricTypeCodec.values];
  const sql = (windowS: number) => (i: number) =>
    listMetricWindows(c, {
      appName: app(i),
      types: all,
      start: new Date(Date.now() - windowS * 1000),
      end: new Date(),
      instanceId: null,
    });
  const grpc = (windowS: number) => (i: number) =>
    client.getMetricWindows({ appName: app(i), window: { seconds: BigInt(windowS) } });
  await timed(50, grpc(60)); // warm up
  const check = await client.getMetricWindows({ appName: apps[0]!, window: { seconds: 60n } });
  const points =
    check.windows.find((w) => w.metricType === common.MetricType.CPU_PERCENT)?.dataPoints ?? 0n;
  const before = { grpc_60s: await timed(n, grpc(60)), sql_60s: await timed(n, sql(60)) };
  await c.query('VACUUM (ANALYZE) metrics');
  const result = {
    samples_per_type_in_60s_window: Number(points),
    not_vacuumed: before,
    grpc_60s: await timed(n, grpc(60)),
    sql_60s: await timed(n, sql(60)),
    grpc_300s: await timed(n, grpc(300)),
  };
  await c.end();
  return result;
}

/** Time from a committed state change (RPC answered) to its event arriving on a WatchEvents stream. */
export async function watchLatency(client: Client<typeof ScalerService>, app: string, n: number) {
  const abort = new AbortController();
  const received: number[] = [];
  const stream = client.watchEvents({ appName: app }, { signal: abort.signal });
  const reader = (async () => {
    try {
      for await (const _ of stream) received.push(performance.now());
    } catch {
      // aborted at the end
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const committed: number[] = [];
  for (let i = 0; i < n; i++) {
    await client.setAppMode({ name: app, mode: i % 2 === 0 ? 2 : 1 });
    committed.push(performance.now());
    await new Promise((r) => setTimeout(r, 5));
  }
  const until = Date.now() + 5000;
  while (received.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  abort.abort();
  await reader;
  const lat = committed.slice(0, received.length).map((t, i) => Math.max(0, received[i]! - t));
  const s = summarize(lat);
  return {
    events: received.length,
    expected: n,
    p50: s.p50,
    p95: s.p95,
    max: Math.round(Math.max(...lat) * 100) / 100,
  };
}
