/**
 * Fuzzes both services as `npm start` runs them (real child processes under
 * the supervisor, their own database, process runtime, control loop off so
 * fuzzed apps start nothing), then stops them and drops the database.
 */
import { readdirSync, renameSync } from 'node:fs';
import { ContextService, createScalerClient, ScalerService } from '@autoserve/proto';
import { checkHealth } from '../../deploy/healthcheck.mjs';
import { dropDatabase, pgUp } from '../lib/pg-harness.js';
import { type Stack, startStack } from '../lib/stack.js';
import { stringPool } from './generate.js';
import { type FuzzReport, rssMb, runFuzz } from './run.js';

export interface FuzzRunOptions {
  perRpc: number;
  seed: number;
  env: NodeJS.ProcessEnv;
  concurrency?: number;
  /** Passes over every method (seed, seed+1, ...): RSS after each shows whether memory levels off. */
  rounds?: number;
  /** Write a heap snapshot of each service here after the run (to find what holds memory). */
  heapSnapshotDir?: string;
  /** Only the methods whose path matches. */
  methods?: RegExp;
  log?: (line: string) => void;
}

export type FuzzServicesReport = FuzzReport & {
  crash_output: string[];
  /** RSS (MB) of each service after each round and 3 s idle: the steady-state figure is the last. */
  rss_after_round_mb: Record<string, number>[];
  heap_snapshots: string[];
};

/** Adds a later round's counts into the first round's report. */
function merge(into: FuzzReport, r: FuzzReport): void {
  for (const [path, m] of Object.entries(r.methods)) {
    const t = into.methods[path];
    if (!t) {
      into.methods[path] = m;
      continue;
    }
    t.calls += m.calls;
    t.faults += m.faults;
    t.crashes += m.crashes;
    t.seconds = Number((t.seconds + m.seconds).toFixed(2));
    for (const [code, n] of Object.entries(m.codes)) t.codes[code] = (t.codes[code] ?? 0) + n;
    t.examples.push(...m.examples.slice(0, Math.max(0, 5 - t.examples.length)));
    t.unavailable_examples.push(
      ...m.unavailable_examples.slice(0, Math.max(0, 5 - t.unavailable_examples.length)),
    );
    t.health_after = m.health_after;
  }
  for (const k of ['calls', 'faults', 'crashes', 'health_failures'] as const) into[k] += r[k];
  into.seconds = Number((into.seconds + r.seconds).toFixed(1));
  for (const [svc, x] of Object.entries(r.rss_mb)) {
    const t = into.rss_mb[svc];
    if (t) {
      t.max = Math.max(t.max, x.max);
      t.end = x.end;
    }
  }
}

/** SIGUSR2 (--heapsnapshot-signal) to a service, then waits for its snapshot file in the cwd. */
async function heapSnapshot(pid: number, dir: string): Promise<string | undefined> {
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 240; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const f = readdirSync('.').find((n) => n.endsWith('.heapsnapshot') && n.includes(`.${pid}.`));
    // Written in one go at the end; a second look a moment later confirms it is complete.
    if (f) {
      await new Promise((r) => setTimeout(r, 3000));
      renameSync(f, `${dir}/${f}`);
      return `${dir}/${f}`;
    }
  }
  return undefined;
}

const KNOWN_APPS = ['fuzz-app', 'fuzz-other'];

export async function fuzzServices(o: FuzzRunOptions): Promise<FuzzServicesReport> {
  const log = o.log ?? (() => {});
  // One database per run: two runs on one cluster (helpers share the default ports) must not
  // drop each other's database, which answers every call of the other run UNAVAILABLE.
  const database = o.env.AUTOSERVE_DB?.trim() || `autoserve_fuzz_${process.pid}`;
  const cluster = await pgUp(o.env, () => {});
  await dropDatabase(cluster.primaryUrl, database);
  const crashOutput: string[] = [];
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      env: {
        ...o.env,
        AUTOSERVE_DB: database,
        AUTH_TOKENS: '',
        CONTEXT_GRPC_PORT: '0',
        SCALER_GRPC_PORT: '0',
        CONTEXT_METRICS_PORT: '0',
        SCALER_METRICS_PORT: '0',
        SCALER_RUNTIME: 'process',
        SCALER_CONTROL_LOOP: 'false',
        LOG_LEVEL: 'warn',
        ...(o.heapSnapshotDir
          ? { NODE_OPTIONS: `${o.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2`.trim() }
          : {}),
      },
      log: (line) => log(`[stack] ${line}`),
      // Lines that are not JSON logs are crash output (uncaught exceptions).
      onServiceLine: (service, line) => {
        if (!line.startsWith('{') && crashOutput.length < 200)
          crashOutput.push(`${service}: ${line}`);
      },
    });
    const s = stack;
    const scaler = createScalerClient({ baseUrl: s.scaler.url, token: s.token });
    for (const name of KNOWN_APPS)
      await scaler.registerApp({ name, spec: { image: 'autoserve/fuzz' } });
    scaler.close();
    const targets = [
      { service: ScalerService, address: s.scaler.address, pid: () => s.pids().scaler },
      { service: ContextService, address: s.context.address, pid: () => s.pids().context },
    ];
    const round = (seed: number) =>
      runFuzz(targets, {
        perRpc: o.perRpc,
        seed,
        token: s.token!,
        concurrency: o.concurrency ?? 8,
        deadlineMs: 5000,
        gen: { strings: stringPool(KNOWN_APPS), maxItems: 200 },
        crashes: () => s.crashes(),
        health: (address) =>
          checkHealth(address, { timeoutMs: 2000 }).catch((e: Error) => e.message),
        progress: log,
        ...(o.methods ? { methods: o.methods } : {}),
      });
    const idleRss = async () => {
      await new Promise((r) => setTimeout(r, 3000));
      return Object.fromEntries(targets.map((t) => [t.service.name, rssMb(t.pid())]));
    };
    const report = await round(o.seed);
    const rssAfter = [await idleRss()];
    for (let i = 1; i < (o.rounds ?? 1); i++) {
      log(`[fuzz] round ${i + 1}, RSS after the last: ${JSON.stringify(rssAfter.at(-1))}`);
      merge(report, await round(o.seed + i));
      rssAfter.push(await idleRss());
    }
    const snapshots: string[] = [];
    if (o.heapSnapshotDir) {
      for (const t of targets) {
        const file = await heapSnapshot(t.pid()!, o.heapSnapshotDir);
        if (file) snapshots.push(file);
      }
    }
    return {
      ...report,
      crash_output: crashOutput,
      rss_after_round_mb: rssAfter,
      heap_snapshots: snapshots,
    };
  } finally {
    await stack?.stop();
    await dropDatabase(cluster.primaryUrl, database).catch(() => {});
  }
}
