/**
 * `npm run bench -- watchers [--watchers 1000] [--rounds 3] [--seconds 5] [--concurrency 4]`
 *
 * What idle watch streams cost everyone else. The Scaler runs in its own
 * process; for two watcher layouts (all on one app; spread over 100 apps),
 * each round measures, with 0 and then with N idle watchers (half
 * WatchEndpoints, half WatchEvents, opened at once):
 * - the server's transaction rate with no other traffic (pg_stat_database),
 * - GetApp latency under a closed loop, and the Scaler's CPU.
 * Rounds alternate which case runs first, so drift hits both. Prints medians
 * and the with/without ratios; writes bench/results/watchers.json.
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ScalerService } from '@autoserve/proto';
import { type Client, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import pg from 'pg';
import { freePorts } from '../test/support/cluster.js';
import {
  BENCH_TOKEN,
  ingestBenchDatabase,
  processCpuSeconds,
  startScalerProcess,
} from './support/ingest-setup.js';
import { closedLoop } from './support/stats.js';

type Scaler = Client<typeof ScalerService>;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** A client on its own HTTP/2 connection. */
function client(port: number): Scaler {
  return createClient(
    ScalerService,
    createGrpcTransport({
      baseUrl: `http://127.0.0.1:${port}`,
      interceptors: [
        (next) => (req) => {
          req.header.set('authorization', `Bearer ${BENCH_TOKEN}`);
          return next(req);
        },
      ],
    }),
  );
}

/** Window in which the server's idle transaction rate is counted. */
const IDLE_MS = 6000;
const SETTLE_MS = 11_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Crowd {
  failed: number;
  close(): void;
}

/** Opens `n` watchers at once over `apps`; resolves when each got its first answer or failed. */
async function openCrowd(c: Scaler, apps: string[], n: number): Promise<Crowd> {
  const abort = new AbortController();
  // One signal closes the whole crowd.
  setMaxListeners(0, abort.signal);
  let failed = 0;
  let settled = 0;
  await new Promise<void>((resolve) => {
    const done = (ok: boolean) => {
      if (!ok) failed++;
      if (++settled === n) resolve();
    };
    for (let i = 0; i < n; i++) {
      const app = apps[i % apps.length]!;
      if (i % 2 === 0) {
        void (async () => {
          let first = true;
          try {
            for await (const _ of c.watchEndpoints({ appName: app }, { signal: abort.signal })) {
              if (first) done(true);
              first = false;
            }
          } catch {
            if (first) done(abort.signal.aborted);
          }
        })();
      } else {
        // From the start: the app's events answer at once, then the stream idles.
        void (async () => {
          let first = true;
          try {
            for await (const _ of c.watchEvents(
              { appName: app, afterEventId: 1n },
              { signal: abort.signal },
            )) {
              if (first) done(true);
              first = false;
            }
          } catch {
            if (first) done(abort.signal.aborted);
          }
        })();
      }
    }
    setTimeout(resolve, 30_000);
  });
  return { failed, close: () => abort.abort() };
}

async function xacts(admin: pg.Client, name: string): Promise<number> {
  const r = await admin.query<{ n: string }>(
    'SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = $1',
    [name],
  );
  return Number(r.rows[0]!.n);
}

export async function main(args: string[]): Promise<void> {
  const watchers = arg(args, '--watchers', 1000);
  const rounds = arg(args, '--rounds', 3);
  const seconds = arg(args, '--seconds', 5);
  const concurrency = arg(args, '--concurrency', 4);
  const name = 'autoserve_bench_watchers';
  const db = await ingestBenchDatabase(name);
  const port = (await freePorts(1))[0]!;
  Object.assign(process.env, {
    SCALER_CONTROL_LOOP: 'false',
    SUCCESS_RATES_REFRESH_INTERVAL: '0',
    GRPC_MAX_STREAMS: String(watchers * 2),
    GRPC_MAX_STREAMS_PER_PRINCIPAL: String(watchers * 2),
  });
  const server = await startScalerProcess(db.scaler, port);
  try {
    await run(server, db, port, { watchers, rounds, seconds, concurrency, name });
  } finally {
    await server.stop();
  }
}

async function run(
  server: Awaited<ReturnType<typeof startScalerProcess>>,
  db: { owner: string },
  port: number,
  o: { watchers: number; rounds: number; seconds: number; concurrency: number; name: string },
): Promise<void> {
  const { watchers, rounds, seconds, concurrency, name } = o;
  const admin = new pg.Client({ connectionString: db.owner.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  const load = client(port);
  const apps = Array.from({ length: 100 }, (_, i) => `bw-${i}`);
  for (let attempt = 0; ; attempt++) {
    try {
      await load.registerApp({ name: 'bw-one', spec: { image: 'x' } });
      break;
    } catch (err) {
      if (attempt > 100) throw err;
      await sleep(200);
    }
  }
  for (const app of apps) await load.registerApp({ name: app, spec: { image: 'x' } });
  const owner = new pg.Client({ connectionString: db.owner });
  await owner.connect();
  await owner.query(
    `INSERT INTO instances (app_name, container_id, container_name, replica_index, ip, port, status, health_status)
     SELECT a.name, a.name || '-' || i, a.name || '-' || i, i, '127.0.0.1',
            20000 + (row_number() OVER ())::int, 'running', 'healthy'
       FROM applications a, generate_series(0, 1) AS i`,
  );
  // One more event per app, so `after_event_id = 1` answers every app's stream at once.
  await owner.query(
    `INSERT INTO events (event_type, app_name, message, source)
     SELECT 'config', name, 'bench', 'bench' FROM applications`,
  );
  await owner.end();

  const families = [
    { family: 'one app', apps: ['bw-one'] },
    { family: '100 apps', apps },
  ];
  const results = [];
  for (const { family, apps: watched } of families) {
    const per: Record<'0' | 'N', { p50: number[]; p95: number[]; qps: number[]; cpu: number[] }> = {
      '0': { p50: [], p95: [], qps: [], cpu: [] },
      N: { p50: [], p95: [], qps: [], cpu: [] },
    };
    let openFailures = 0;
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? (['0', 'N'] as const) : (['N', '0'] as const)) {
        const crowd = mode === 'N' ? await openCrowd(client(port), watched, watchers) : undefined;
        openFailures += crowd?.failed ?? 0;
        // Backends report their counters some time after going idle (seconds on a busy
        // machine; PostgreSQL retries a deferred report after 10 s): let the opening reads and
        // the last load window land before the idle window starts.
        await sleep(SETTLE_MS);
        const x0 = await xacts(admin, name);
        const c0 = processCpuSeconds(server.child.pid!);
        await sleep(IDLE_MS);
        per[mode].qps.push(((await xacts(admin, name)) - x0) / (IDLE_MS / 1000));
        per[mode].cpu.push(((processCpuSeconds(server.child.pid!) - c0) / (IDLE_MS / 1000)) * 100);
        const res = await closedLoop(concurrency, seconds, (i) =>
          load.getApp({ name: watched[i % watched.length]! }, { timeoutMs: 5000 }),
        );
        per[mode].p50.push(res.p50);
        per[mode].p95.push(res.p95);
        crowd?.close();
        await sleep(1000);
      }
    }
    const m = (mode: '0' | 'N', k: 'p50' | 'p95' | 'qps' | 'cpu') => median(per[mode][k]);
    results.push({
      family,
      watchers,
      openFailures,
      getApp: {
        p50Ms: {
          without: m('0', 'p50'),
          with: m('N', 'p50'),
          ratio: m('N', 'p50') / m('0', 'p50'),
        },
        p95Ms: {
          without: m('0', 'p95'),
          with: m('N', 'p95'),
          ratio: m('N', 'p95') / m('0', 'p95'),
        },
      },
      idleTransactionsPerSecond: { without: m('0', 'qps'), with: m('N', 'qps') },
      idleServerCpuPercent: { without: m('0', 'cpu'), with: m('N', 'cpu') },
      rounds: per,
    });
  }
  await admin.end();

  const f = (x: number) => x.toFixed(2);
  const lines = [
    `${watchers} idle watchers (half WatchEndpoints, half WatchEvents), ${rounds} rounds, GetApp closed loop x${concurrency} for ${seconds}s; medians`,
    `${'layout'.padEnd(9)} ${'GetApp p50 0/N ms'.padStart(20)} ${'ratio'.padStart(6)} ${'GetApp p95 0/N ms'.padStart(20)} ${'ratio'.padStart(6)} ${'idle xact/s 0/N'.padStart(16)} ${'idle CPU% 0/N'.padStart(14)} ${'open fails'.padStart(10)}`,
  ];
  for (const r of results) {
    lines.push(
      `${r.family.padEnd(9)} ${`${f(r.getApp.p50Ms.without)} / ${f(r.getApp.p50Ms.with)}`.padStart(20)} ${f(r.getApp.p50Ms.ratio).padStart(6)} ${`${f(r.getApp.p95Ms.without)} / ${f(r.getApp.p95Ms.with)}`.padStart(20)} ${f(r.getApp.p95Ms.ratio).padStart(6)} ${`${f(r.idleTransactionsPerSecond.without)} / ${f(r.idleTransactionsPerSecond.with)}`.padStart(16)} ${`${f(r.idleServerCpuPercent.without)} / ${f(r.idleServerCpuPercent.with)}`.padStart(14)} ${String(r.openFailures).padStart(10)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}watchers.json`,
    `${JSON.stringify({ bench: 'watchers', at: new Date().toISOString(), results }, null, 2)}\n`,
  );
  process.stdout.write('wrote bench/results/watchers.json\n');
}
