/**
 * `npm run bench -- ingest [--samples 1500000] [--streams 4] [--batch 5000] [--rows 10000000] [--decoder-only]`
 *
 * Metrics ingest through gRPC (StreamMetrics, several concurrent streams,
 * the Scaler in its own process) against binary COPY of the same rows
 * straight into Postgres at the same concurrency and batch size, then the
 * window-aggregate latency (GetMetricWindows) with N rows in the table, and
 * WatchEvents delivery latency. Prints a table, writes
 * bench/results/ingest.json. DB: BENCH_PRIMARY_URL (superuser) or the local
 * harness, database autoserve_bench_ingest (recreated each run).
 * `--target compose`: the compose stack's Scaler container and database
 * (its metrics table is emptied before each phase).
 */
import { writeFileSync } from 'node:fs';
import { common, ScalerService, scaler } from '@autoserve/proto';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { encodeBatch, Interner } from '../scaler-service/src/ingest/encode-batch.js';
import { composeBenchTarget } from './support/bench-target.js';
import { decoderPhase } from './support/ingest-decoder.js';
import { copyPhase, grpcPhase } from './support/ingest-load.js';
import { BENCH_TOKEN, ingestBenchDatabase, startScalerProcess } from './support/ingest-setup.js';
import { seedRows, watchLatency, windowLatency } from './support/ingest-windows.js';

const PORT = 56761;

const none = { calls: 0, p50: 0, p95: 0, p99: 0 };
function emptyWindows() {
  return {
    samples_per_type_in_60s_window: 0,
    not_vacuumed: { grpc_60s: none, sql_60s: none },
    grpc_60s: none,
    sql_60s: none,
    grpc_300s: none,
  };
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[]): Promise<void> {
  const total = arg(args, '--samples', 1_500_000);
  const streams = arg(args, '--streams', 4);
  const batch = arg(args, '--batch', 5000);
  const rows = arg(args, '--rows', 10_000_000);
  const apps = Array.from({ length: 20 }, (_, i) => `bench-app-${i}`);
  // In-process, no database: the hand wire decoder against fromBinary, side by side.
  const decoder = decoderPhase(batch);
  process.stdout.write(
    `decoder (ms per ${batch}-sample batch, median): ${JSON.stringify(decoder)}\n`,
  );
  if (args.includes('--decoder-only')) return;

  const target = await composeBenchTarget(args);
  const db = target
    ? { owner: target.primaryUrl.replace(/\/postgres$/, `/${target.database}`), scaler: '' }
    : await ingestBenchDatabase('autoserve_bench_ingest');
  const server = target
    ? { child: { pid: target.scaler.pid }, stop: async () => {} }
    : await startScalerProcess(db.scaler, PORT);
  const port = target?.scaler.port ?? PORT;
  const token = target?.scaler.token ?? BENCH_TOKEN;
  try {
    const transport = createGrpcTransport({
      baseUrl: `http://127.0.0.1:${port}`,
      interceptors: [
        (next) => async (req) => {
          req.header.set('authorization', `Bearer ${token}`);
          return next(req);
        },
      ],
    });
    const client = createClient(ScalerService, transport);
    for (let tries = 0; ; tries++) {
      try {
        await client.listApps({});
        break;
      } catch (err) {
        if (tries > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    for (const name of apps) {
      // A compose target keeps its apps between runs.
      await client.registerApp({ name, spec: { image: 'bench' } }).catch((err: unknown) => {
        if (!target || ConnectError.from(err).code !== Code.AlreadyExists) throw err;
      });
    }

    // 16 distinct batches reused round-robin: realistic samples (several apps, types,
    // instances, labels on a share), encoded once so the generator stays cheap.
    const types = [
      common.MetricType.CPU_PERCENT,
      common.MetricType.MEMORY_PERCENT,
      common.MetricType.RPS,
      common.MetricType.LATENCY_P95,
    ];
    const now = Date.now();
    const batches = Array.from({ length: 16 }, (_, b) =>
      Array.from({ length: batch }, (_, i) =>
        create(scaler.MetricSampleSchema, {
          appName: apps[(b * batch + i) % apps.length]!,
          instanceId: BigInt(1 + (i % 10)),
          metricType: types[i % types.length]!,
          time: {
            seconds: BigInt(Math.floor((now - 60_000 + (i % 60_000)) / 1000)),
            nanos: (i % 1000) * 1_000_000,
          },
          value: (i * 7919) % 100,
          unit: i % 4 === 2 ? 'rps' : '%',
          labels: i % 10 === 0 ? { zone: `z${i % 3}` } : {},
        }),
      ),
    );
    const frames = batches.map((samples) =>
      Buffer.from(
        toBinary(
          scaler.StreamMetricsRequestSchema,
          create(scaler.StreamMetricsRequestSchema, { samples }),
        ),
      ),
    );
    const interner = new Interner();
    const payloads = batches.map((samples) =>
      encodeBatch(
        samples,
        { nowMs: Date.now(), maxAgeMs: 86_400_000, isKnownApp: () => true },
        interner,
      ),
    );
    const nBatches = Math.ceil(total / batch);

    const copy = await copyPhase(db.owner, payloads, nBatches, streams, batch);
    const grpc = await grpcPhase(
      `127.0.0.1:${port}`,
      token,
      frames,
      nBatches,
      streams,
      batch,
      server.child.pid!,
      db.owner,
    );
    const seeded = rows > 0 ? await seedRows(db.owner, apps, rows) : { rows: 0, seconds: 0 };
    const windows = rows > 0 ? await windowLatency(client, db.owner, apps, 300) : emptyWindows();
    const watch = await watchLatency(client, apps[0]!, 200);

    const result = {
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      ingest: {
        samples: nBatches * batch,
        streams,
        batch,
        grpc_samples_per_s: Math.round(grpc.samplesPerSecond),
        copy_samples_per_s: Math.round(copy.samplesPerSecond),
        ratio: Number((grpc.samplesPerSecond / copy.samplesPerSecond).toFixed(3)),
        goal: { ratio: 0.5, grpc_samples_per_s: 150_000 },
        load_generator_cpu_percent: Math.round(grpc.generatorCpuPercent),
        server_cpu_percent: Math.round(grpc.serverCpuPercent),
      },
      decoder,
      windows: { rows_in_table: seeded.rows, seed_seconds: seeded.seconds, ...windows },
      watch_events_latency_ms: watch,
    };
    writeFileSync(
      new URL('./results/ingest.json', import.meta.url),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    const table = [
      ['gRPC StreamMetrics', `${result.ingest.grpc_samples_per_s.toLocaleString()} samples/s`],
      ['raw binary COPY', `${result.ingest.copy_samples_per_s.toLocaleString()} samples/s`],
      ['ratio gRPC / COPY', `${result.ingest.ratio} (goal >= 0.5)`],
      ['load generator CPU', `${result.ingest.load_generator_cpu_percent}% of one core`],
      ['scaler process CPU', `${result.ingest.server_cpu_percent}% of one core`],
      [
        `window 60s (gRPC) @ ${(seeded.rows / 1e6).toFixed(1)}M rows`,
        `p50 ${windows.grpc_60s.p50} ms, p95 ${windows.grpc_60s.p95} ms`,
      ],
      ['window 60s (SQL only)', `p50 ${windows.sql_60s.p50} ms, p95 ${windows.sql_60s.p95} ms`],
      [
        'window 60s before VACUUM (gRPC / SQL)',
        `p95 ${windows.not_vacuumed.grpc_60s.p95} / ${windows.not_vacuumed.sql_60s.p95} ms`,
      ],
      ['samples per type in a 60s window', `${windows.samples_per_type_in_60s_window}`],
      ['window 300s (gRPC)', `p50 ${windows.grpc_300s.p50} ms, p95 ${windows.grpc_300s.p95} ms`],
      ['WatchEvents delivery', `p50 ${watch.p50} ms, p95 ${watch.p95} ms, max ${watch.max} ms`],
    ];
    const w = Math.max(...table.map((r) => r[0]!.length));
    for (const [k, v] of table) process.stdout.write(`${k!.padEnd(w)}  ${v}\n`);
  } finally {
    await server.stop();
  }
}
