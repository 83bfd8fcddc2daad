/**
 * `npm run bench -- load [--target compose|start | --context URL --scaler URL]
 *   [--seconds 30] [--ingest-streams 2] [--searchers 4] [--history 2] [--batch 500]
 *   [--incidents 300] [--deadline-ms 5000] [--faults] [--out bench/results/load.json]`
 *
 * Mixed load against a running stack: metrics ingest streams (StreamMetrics),
 * similarity searches and history reads (ListRemediationHistory,
 * GetAppMetrics) at once for a bounded time. Reports throughput, p50/p95/p99
 * per RPC, errors by code and the replica lag sampled on the primary during
 * the run. --faults (compose only): restarts the replica at 1/3 of the run
 * and SIGKILLs the Scaler's container at 2/3; the failed calls are counted.
 * Loopback only; stops by itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { prepareEnv } from '../scripts/lib/compose/stack.js';
import { ClusteredVectors } from '../test/kit/clustered.js';
import { crashService, type FaultRecord, restartReplica } from './support/compose-faults.js';
import { resolveTarget } from './support/load-target.js';
import { clients, DIMS, runMix, seed } from './support/load-workload.js';
import { sampleReplicaLag } from './support/replica-lag.js';
import { RpcStats } from './support/rpc-stats.js';

function num(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number >= 0`);
  return v;
}

export async function main(args: string[]): Promise<void> {
  const target = resolveTarget(args, process.env);
  const seconds = Math.min(num(args, '--seconds', 30), 600);
  const incidents = Math.max(1, num(args, '--incidents', 300));
  const mix = {
    ingestStreams: num(args, '--ingest-streams', 2),
    searchers: num(args, '--searchers', 4),
    historyReaders: num(args, '--history', 2),
    batch: Math.max(1, num(args, '--batch', 500)),
    batchesPerCall: 4,
    deadlineMs: Math.max(100, num(args, '--deadline-ms', 5000)),
  };
  const faults = args.includes('--faults');
  if (faults && target.kind !== 'compose') throw new Error('--faults needs --target compose');
  const iOut = args.indexOf('--out');
  const out = resolve(
    iOut >= 0 ? args[iOut + 1]! : new URL('./results/load.json', import.meta.url).pathname,
  );

  const c = clients(target);
  const vectors = new ClusteredVectors({ dims: DIMS, clusters: 30, seed: 11 });
  const t0 = performance.now();
  const roundTripMs = await seed(c, incidents, vectors);
  const seedSeconds = (performance.now() - t0) / 1000;
  process.stderr.write(
    `[load] seeded ${incidents} incidents in ${seedSeconds.toFixed(1)} s; write -> Context read ${roundTripMs.toFixed(0)} ms; running ${seconds} s\n`,
  );

  const stats = new RpcStats();
  const lag = target.primaryUrl ? sampleReplicaLag(target.primaryUrl) : undefined;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const until = start + seconds * 1000;
  const faultRecords: FaultRecord[] = [];
  const injector = faults
    ? (async () => {
        const env = await prepareEnv(process.env, () => {});
        const at = (f: number) =>
          new Promise((r) =>
            setTimeout(r, Math.max(0, start + seconds * 1000 * f - performance.now())),
          );
        await at(1 / 3);
        faultRecords.push(await restartReplica(env, new URL(target.context.url).host, start));
        await at(2 / 3);
        faultRecords.push(
          await crashService(env, 'scaler', new URL(target.scaler.url).host, start),
        );
      })()
    : Promise.resolve();
  const [{ samplesCommitted }] = await Promise.all([
    runMix(c, mix, stats, until, vectors, incidents),
    injector,
  ]);
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const result = {
    target: target.kind,
    context: target.context.url,
    scaler: target.scaler.url,
    machine: { cpus: cpus().length, node: process.version },
    seconds: Math.round(elapsed * 10) / 10,
    mix,
    seed: { incidents, seconds: Math.round(seedSeconds * 10) / 10 },
    write_to_replica_read_ms: Math.round(roundTripMs),
    ingest_samples_per_s: Math.round(samplesCommitted / elapsed),
    rpcs: stats.figures(elapsed),
    failed_calls: stats.failed(),
    replica_lag: lag ? await lag.stop() : null,
    faults: faultRecords,
    load_generator_cpu_percent: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  const rows = Object.entries(result.rpcs).map(([rpc, f]) => [
    rpc,
    `${f.per_second}/s`,
    `p50 ${f.p50_ms} p95 ${f.p95_ms} p99 ${f.p99_ms} ms`,
    Object.keys(f.errors).length ? JSON.stringify(f.errors) : 'no errors',
  ]);
  const w = rows.map((r) => r.map((c) => c.length));
  for (const r of rows)
    process.stdout.write(
      `${r.map((c, i) => c.padEnd(Math.max(...w.map((x) => x[i]!)))).join('  ')}\n`,
    );
  process.stdout.write(
    `ingest ${result.ingest_samples_per_s.toLocaleString()} samples/s; replica lag ${
      result.replica_lag
        ? `p95 ${result.replica_lag.p95_ms} ms, max ${result.replica_lag.max_ms} ms`
        : 'not sampled'
    }; failed calls ${result.failed_calls}; wrote ${out}\n`,
  );
  for (const f of faultRecords)
    process.stdout.write(
      `fault at ${f.at_s}s: ${f.fault}, SERVING again after ${f.recovered_after_s} s ${f.detail ?? ''}\n`,
    );
}
