/**
 * `npm run bench -- context-cpu [--baseline <checkout>] [--n 3000] [--rounds 5] [--seconds 4]
 *   [--concurrency 8]`
 *
 * Service CPU per SearchSimilarIncidents call (10 results), from /proc: the Context service of
 * this checkout, and with --baseline the one built in another checkout (e.g. a worktree of main),
 * both against the same small database (mixture family, its own database), in alternating rounds
 * so the machine's load falls on both alike. Pre-encoded request frames keep the load
 * generator's own CPU out of the figure. Prints the median per side and their ratio; writes
 * bench/results/context-cpu.json. Profile a side with BENCH_SERVER_NODE_FLAGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof".
 */
import { writeFileSync } from 'node:fs';
import { SearchSimilarIncidentsRequestSchema } from '@autoserve/proto/context/v1';
import { create, toBinary } from '@bufbuild/protobuf';
import pg from 'pg';
import { seedIncidents } from '../test/kit/incidents.js';
import { MixtureVectors } from '../test/kit/mixture.js';
import { REPO } from '../test/support/cluster.js';
import { benchDatabase, waitForReplica } from './support/bench-db.js';
import { BENCH_TOKEN, contextClient, startContextProcess } from './support/context-process.js';
import { withCpu } from './support/proc-cpu.js';
import { rawUnary } from './support/raw-unary.js';
import { closedLoop, type LoadResult } from './support/stats.js';

const DIMS = 1536;
const PREFIX = 'cpu';
const PORTS = [56661, 56662, 56663];

/** A URL of the same database through the harness's unix socket directory. */
function viaSocket(url: string): string {
  const u = new URL(url);
  const dir = `${process.env.PG_DIR ?? `${REPO}/.data/pg`}/sock`;
  return `postgresql://${u.username}@localhost:${u.port}${u.pathname}?host=${encodeURIComponent(dir)}`;
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function main(args: string[]): Promise<void> {
  const n = arg(args, '--n', 3000);
  const rounds = arg(args, '--rounds', 5);
  const seconds = arg(args, '--seconds', 4);
  const concurrency = arg(args, '--concurrency', 8);
  const b = args.indexOf('--baseline');
  const here = `${REPO}/context-service/dist/main.js`;
  const sides: { name: string; main: string; socket?: boolean }[] = [
    ...(b >= 0 ? [{ name: 'baseline', main: `${args[b + 1]}/context-service/dist/main.js` }] : []),
    { name: 'this', main: here },
    // The same build over the replica's unix socket instead of TCP loopback: how much of the
    // service's CPU is the kernel's TCP path (local harness only).
    ...(args.includes('--unix') ? [{ name: 'this-unix', main: here, socket: true }] : []),
  ];

  const db = await benchDatabase('autoserve_bench_cpu');
  const m = new MixtureVectors({ n, dims: DIMS, seed: 99 });
  const embedder = `bench-cpu-v1-${n}`;
  const owner = new pg.Client({ connectionString: db.primaryUrl });
  await owner.connect();
  const have = await owner.query('SELECT 1 FROM incident_embeddings WHERE embedder = $1 LIMIT 1', [
    embedder,
  ]);
  if (have.rowCount === 0) {
    await owner.query('TRUNCATE remediation_requests, workflow_executions CASCADE');
    await seedIncidents(owner, {
      n,
      prefix: PREFIX,
      embedder,
      vector: (i) => m.vector(i),
      baseMs: Date.now(),
      namespaceOf: (i) => `${PREFIX}-${m.namespaces[i]}`,
    });
    await owner.query(
      `CREATE INDEX IF NOT EXISTS idx_incident_embeddings_vector ON incident_embeddings
       USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)`,
    );
    await owner.query('VACUUM ANALYZE');
  }
  await owner.end();
  await waitForReplica(db);

  const frames = Array.from({ length: 40 }, (_, q) =>
    Buffer.from(
      toBinary(
        SearchSimilarIncidentsRequestSchema,
        create(SearchSimilarIncidentsRequestSchema, {
          query: { case: 'vector', value: { values: Array.from(m.query(q)), embedder } },
          limit: 10,
        }),
      ),
    ),
  );
  const running = await Promise.all(
    sides.map(async (side, i) => {
      const service = await startContextProcess(
        {
          CONTEXT_REPLICA_URL: side.socket ? viaSocket(db.contextReplicaUrl) : db.contextReplicaUrl,
          CONTEXT_PRIMARY_URL: db.contextPrimaryUrl,
          CONTEXT_CALIBRATION_INTERVAL: '10m',
        },
        PORTS[i]!,
        side.main,
      );
      // Never leave a service behind, whatever ends this process.
      process.once('exit', () => service.proc.kill());
      const raw = rawUnary(
        PORTS[i]!,
        '/autoserve.context.v1.ContextService/SearchSimilarIncidents',
        BENCH_TOKEN,
      );
      return { ...side, service, raw, port: PORTS[i]!, results: [] as LoadResult[] };
    }),
  );
  // Both services calibrate in the background first; measure in steady state.
  for (const s of running) {
    const client = contextClient(s.port);
    const until = Date.now() + 300_000;
    for (;;) {
      const res = await client.searchSimilarIncidents(
        { query: { case: 'vector', value: { values: Array.from(m.query(0)), embedder } } },
        { headers: { authorization: `Bearer ${BENCH_TOKEN}` } },
      );
      if (res.plan?.calibration || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  for (const s of running) await closedLoop(concurrency, 2, (i) => s.raw.call(frames[i % 40]!));
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? [...running].reverse() : running) {
      const res = await withCpu(s.service.proc.pid, () =>
        closedLoop(concurrency, seconds, (i) => s.raw.call(frames[i % 40]!)),
      );
      s.results.push(res);
      process.stdout.write(
        `round ${r + 1} ${s.name}: ${res.qps.toFixed(0)} qps, server ${res.cpuMsPerCall!.server.toFixed(3)} ms/call, postgres ${res.cpuMsPerCall!.postgres.toFixed(3)} ms/call, errors ${res.errors}\n`,
      );
    }
  }
  const base = running.length > 1 ? 0 : -1;
  const summary = running.map((s) => ({
    side: s.name,
    main: s.main,
    server_ms_per_call: median(s.results.map((x) => x.cpuMsPerCall!.server)),
    postgres_ms_per_call: median(s.results.map((x) => x.cpuMsPerCall!.postgres)),
    qps: median(s.results.map((x) => x.qps)),
    errors: s.results.reduce((a, x) => a + x.errors, 0),
    rounds: s.results,
  }));
  for (const s of running) {
    s.raw.close();
    await s.service.stop();
  }
  process.stdout.write(
    `\nSearchSimilarIncidents, 10 results, n=${n}, concurrency ${concurrency}, ${rounds} rounds (medians)\n`,
  );
  process.stdout.write('side       server ms/call  postgres ms/call  qps\n');
  for (const s of summary) {
    process.stdout.write(
      `${s.side.padEnd(10)} ${s.server_ms_per_call.toFixed(3).padStart(14)} ${s.postgres_ms_per_call.toFixed(3).padStart(17)} ${s.qps.toFixed(0).padStart(5)}\n`,
    );
  }
  for (const s of base < 0 ? [] : summary.slice(1)) {
    const b0 = summary[base]!;
    process.stdout.write(
      `${s.side} ÷ ${b0.side}: server CPU ${(s.server_ms_per_call / b0.server_ms_per_call).toFixed(2)}, qps ${(s.qps / b0.qps).toFixed(2)}\n`,
    );
  }
  writeFileSync(
    new URL('./results/context-cpu.json', import.meta.url),
    `${JSON.stringify({ n, concurrency, seconds, summary }, null, 2)}\n`,
  );
}
