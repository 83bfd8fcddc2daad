import { common, scaler } from '@autoserve/proto';
import { create } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import type pg from 'pg';
import { describe, expect } from 'vitest';
import { serviceTest } from '../../support/fixtures.js';
import { appName, expectCode } from './client.js';

const test = serviceTest();
const { MetricType } = common;

const at = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });

describe('Scaler metrics ingest and windows', () => {
  const app = appName('met');
  test.beforeAll(async ({ writer }) => {
    await writer.registerApp({ name: app, spec: { image: 'x' } });
  });
  const count = async (owner: pg.Pool, name: string) =>
    (
      await owner.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM metrics WHERE app_name = $1',
        [name],
      )
    ).rows[0]!.n;

  test('stores a unary batch with every column and answers after commit', async ({
    writer: c,
    owner,
  }) => {
    const now = Date.now();
    const res = await c.ingestMetrics({
      samples: [
        {
          appName: app,
          instanceId: 7n,
          metricType: MetricType.CPU_PERCENT,
          time: at(now - 1000),
          value: 150.5,
          labels: { zone: 'a' },
          unit: '%',
        },
        {
          appName: app,
          metricType: MetricType.RPS,
          value: 42,
          aggregationLevel: common.AggregationLevel.APP,
        },
      ],
    });
    expect(res.samplesCommitted).toBe(2n);
    const rows = (
      await owner.query(
        `SELECT instance_id, metric_type, value, labels, unit, aggregation_level, timestamp
           FROM metrics WHERE app_name = $1 ORDER BY metric_type`,
        [app],
      )
    ).rows;
    expect(rows[0]).toMatchObject({
      instance_id: 7,
      metric_type: 'cpu_percent',
      value: 150.5,
      labels: { zone: 'a' },
      unit: '%',
      aggregation_level: 'instance',
    });
    expect(new Date(rows[0].timestamp).getTime()).toBe(now - 1000);
    expect(rows[1]).toMatchObject({
      instance_id: null,
      metric_type: 'rps',
      value: 42,
      labels: null,
      unit: null,
      aggregation_level: 'app',
    });
    expect(Math.abs(new Date(rows[1].timestamp).getTime() - Date.now())).toBeLessThan(5000);
  });

  test('rejects the whole batch, naming the first bad sample', async ({ writer: c, owner }) => {
    const before = await count(owner, app);
    const ok = { appName: app, metricType: MetricType.RPS, value: 1 };
    const bad = async (sample: object, message: string | RegExp, code = Code.InvalidArgument) =>
      expectCode(
        c.ingestMetrics({ samples: [ok, ok, ok, sample, { ...ok, value: Number.NaN }] }),
        code,
        message,
      );
    await bad({ ...ok, value: Number.NaN }, 'samples[3].value: must be finite');
    await bad({ ...ok, value: Number.POSITIVE_INFINITY }, 'samples[3].value: must be finite');
    await bad({ ...ok, value: -1 }, 'samples[3].value: must be >= 0');
    await bad(
      { ...ok, metricType: MetricType.MEMORY_PERCENT, value: 101 },
      'samples[3].value: must be 0..100 for memory_percent',
    );
    await bad({ ...ok, metricType: 0 }, 'samples[3].metric_type: must be a known metric type');
    await bad({ ...ok, metricType: 99 }, 'samples[3].metric_type: must be a known metric type');
    await bad(
      { ...ok, appName: 'no-such-app' },
      'samples[3].app_name: app "no-such-app" not found',
      Code.NotFound,
    );
    await bad(
      { ...ok, time: at(Date.now() + 6 * 60_000) },
      'samples[3].time: must be at most 5 minutes in the future',
    );
    await bad(
      { ...ok, time: at(Date.now() - 31 * 86_400_000) },
      'samples[3].time: is older than the metrics retention',
    );
    await bad({ ...ok, unit: 'x'.repeat(21) }, 'samples[3].unit: must be at most 20 characters');
    await expectCode(
      c.ingestMetrics({ samples: [] }),
      Code.InvalidArgument,
      'samples: must not be empty',
    );
    expect(await count(owner, app)).toBe(before);
  });

  test('accepts an app registered a moment ago (cache refreshed on miss)', async ({
    writer: c,
    owner,
  }) => {
    const fresh = appName('fresh');
    await c.registerApp({ name: fresh, spec: { image: 'x' } });
    await c.ingestMetrics({ samples: [{ appName: fresh, metricType: MetricType.RPS, value: 1 }] });
    expect(await count(owner, fresh)).toBe(1);
  });

  test('streams batches (client stream) and acks each committed batch (bidi)', async ({
    writer: c,
    owner,
  }) => {
    const name = appName('stream');
    await c.registerApp({ name, spec: { image: 'x' } });
    const batch = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        create(scaler.MetricSampleSchema, {
          appName: name,
          metricType: MetricType.LATENCY_P95,
          value: i,
        }),
      );
    async function* batches() {
      for (let i = 0; i < 5; i++) yield { samples: batch(1000) };
    }
    const res = await c.streamMetrics(batches());
    expect(res).toMatchObject({ batchesCommitted: 5n, samplesCommitted: 5000n });
    expect(await count(owner, name)).toBe(5000);

    async function* acked() {
      for (let i = 0; i < 4; i++) yield { sequence: BigInt(i), samples: batch(500) };
    }
    const acks: bigint[] = [];
    for await (const ack of c.streamMetricsAcked(acked())) {
      // Acked means committed: visible to another connection now.
      expect(await count(owner, name)).toBeGreaterThanOrEqual(5000 + 500 * (acks.length + 1));
      acks.push(ack.sequence);
      expect(ack.samplesCommitted).toBe(500n);
    }
    expect(acks).toEqual([0n, 1n, 2n, 3n]);
    // A bad batch ends the bidi stream with the error; earlier acks stand.
    async function* withBad() {
      yield { sequence: 10n, samples: batch(10) };
      yield {
        sequence: 11n,
        samples: [
          create(scaler.MetricSampleSchema, {
            appName: name,
            metricType: MetricType.RPS,
            value: Number.NaN,
          }),
        ],
      };
    }
    const seen: bigint[] = [];
    await expectCode(
      (async () => {
        for await (const ack of c.streamMetricsAcked(withBad())) seen.push(ack.sequence);
      })(),
      Code.InvalidArgument,
      'samples[0].value: must be finite',
    );
    expect(seen).toEqual([10n]);
  });

  test('aggregates windows per metric type (avg/min/max/percentiles/count)', async ({
    writer: c,
  }) => {
    const name = appName('win');
    await c.registerApp({ name, spec: { image: 'x' } });
    const now = Date.now();
    const samples = [];
    for (let v = 1; v <= 100; v++) {
      samples.push({
        appName: name,
        metricType: MetricType.CPU_PERCENT,
        value: v,
        time: at(now - 10_000),
        instanceId: v % 2 === 0 ? 2n : 1n,
      });
    }
    samples.push({ appName: name, metricType: MetricType.RPS, value: 5, time: at(now - 5000) });
    samples.push({
      appName: name,
      metricType: MetricType.RPS,
      value: 500,
      time: at(now - 120_000),
    });
    await c.ingestMetrics({ samples });
    const { windows } = await c.getMetricWindows({ appName: name, window: { seconds: 60n } });
    expect(windows.map((w) => w.metricType)).toEqual([MetricType.CPU_PERCENT, MetricType.RPS]);
    const cpu = windows[0]!;
    expect(cpu).toMatchObject({ avg: 50.5, min: 1, max: 100, dataPoints: 100n });
    expect(cpu.p50).toBeCloseTo(50.5);
    expect(cpu.p95).toBeCloseTo(95.05);
    expect(cpu.p99).toBeCloseTo(99.01);
    expect(Number(cpu.windowEnd!.seconds) - Number(cpu.windowStart!.seconds)).toBe(60);
    expect(windows[1]).toMatchObject({ avg: 5, dataPoints: 1n });
    const wide = await c.getMetricWindows({
      appName: name,
      window: { seconds: 300n },
      metricTypes: [MetricType.RPS],
    });
    expect(wide.windows).toHaveLength(1);
    expect(wide.windows[0]).toMatchObject({ dataPoints: 2n, max: 500 });
    const one = await c.getMetricWindows({
      appName: name,
      metricTypes: [MetricType.CPU_PERCENT],
      instanceId: 2n,
    });
    expect(one.windows[0]).toMatchObject({ dataPoints: 50n, min: 2, max: 100 });
    expect(
      (await c.getMetricWindows({ appName: name, metricTypes: [MetricType.QUEUE_LENGTH] })).windows,
    ).toEqual([]);
    await expectCode(c.getMetricWindows({ appName: appName('none') }), Code.NotFound);
    await expectCode(
      c.getMetricWindows({ appName: name, window: { seconds: 0n } }),
      Code.InvalidArgument,
      'window: must be 1s..24h',
    );
    await expectCode(
      c.getMetricWindows({ appName: name, metricTypes: [0] }),
      Code.InvalidArgument,
      /^metric_types\[0\]/,
    );
  });
});
