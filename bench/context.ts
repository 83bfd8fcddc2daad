/**
 * `npm run bench -- context [--family clustered|mixture|all] [--n 100000] [--queries 40]
 *   [--concurrency 8] [--seconds 10] [--reseed] [--skip-sweep]`
 *
 * Similarity quality and speed of the Context service over N 1536-d incidents, on two data
 * families built differently (test/kit/clustered.ts: equal, separated clusters; test/kit/mixture.ts:
 * Zipf-sized overlapping clusters, duplicates, background noise, namespaces independent of
 * clusters), each in its own database: recall@10 (mean and min) against brute force per filter
 * selectivity after the service's own recall calibration, latency at concurrency 1, the plan
 * sweep behind the service's thresholds, QPS/latency through gRPC against the same SQL issued
 * directly through pg, and success rates live vs the materialized view. Prints tables and writes
 * bench/results/context.json.
 * `--target compose`: seeds the compose stack's database (replacing its remediation history) and
 * measures its Context container instead.
 */
import { writeFileSync } from 'node:fs';
import { SearchSimilarIncidentsRequestSchema } from '@autoserve/proto/context/v1';
import { createPool, withReadSession } from '@autoserve/runtime';
import { create, toBinary } from '@bufbuild/protobuf';
import pg from 'pg';
import { similarIncidentsSql } from '../context-service/dist/queries/similar.js';
import { PLAN_SETTINGS } from '../context-service/dist/similarity/plan-settings.js';
import { ClusteredVectors, rng } from '../test/kit/clustered.js';
import { seedIncidents, selectivityFilters } from '../test/kit/incidents.js';
import { MixtureVectors } from '../test/kit/mixture.js';
import { type GroundTruth, recallAt, topK } from '../test/kit/truth.js';
import { benchDatabase, waitForReplica } from './support/bench-db.js';
import { composeBenchTarget, withPassword } from './support/bench-target.js';
import { BENCH_TOKEN, contextClient, startContextProcess } from './support/context-process.js';
import { withCpu } from './support/proc-cpu.js';
import { progress } from './support/progress.js';
import { rawUnary } from './support/raw-unary.js';
import { closedLoop, type LoadResult, merge } from './support/stats.js';
import { seedWorkflows, successRatesLiveVsView } from './support/success-rates.js';

const DIMS = 1536;
const PREFIX = 'bench';
const PORT = 56651;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** One data family: its vectors, namespaces, queries and filters. */
interface Family {
  name: 'clustered' | 'mixture';
  database: string;
  embedder: string;
  vector(i: number): Float32Array;
  namespaceOf?: (i: number) => string;
  query(q: number): Float32Array;
  filters: { label: string; filter: object; keep: (i: number) => boolean }[];
}

function familyOf(name: string, n: number): Family {
  if (name === 'mixture') {
    const m = new MixtureVectors({ n, dims: DIMS, seed: 1234 });
    return {
      name,
      database: 'autoserve_bench_mixture',
      embedder: `bench-mixture-v1-${n}`,
      vector: (i) => m.vector(i),
      namespaceOf: (i) => `${PREFIX}-${m.namespaces[i]}`,
      query: (q) => m.query(q),
      filters: m.filters(PREFIX),
    };
  }
  const gen = new ClusteredVectors({ dims: DIMS, clusters: 300, seed: 7 });
  const rand = rng(42);
  return {
    name: 'clustered',
    database: 'autoserve_bench',
    embedder: `bench-clustered-v1-${n}`,
    vector: (i) => gen.vector(i),
    query: () => gen.queryNear(Math.floor(rand() * n)),
    filters: selectivityFilters(PREFIX),
  };
}

export async function main(args: string[]): Promise<void> {
  const i = args.indexOf('--family');
  const which = i >= 0 ? args[i + 1]! : 'all';
  const names = which === 'all' ? ['clustered', 'mixture'] : [which];
  const families: Record<string, unknown> = {};
  for (const name of names) {
    process.stdout.write(`\n=== family: ${name} ===\n`);
    families[name] = await runFamily(familyOf(name, arg(args, '--n', 100_000)), args);
  }
  writeFileSync(
    new URL('./results/context.json', import.meta.url),
    `${JSON.stringify({ families }, null, 2)}\n`,
  );
}

async function runFamily(family: Family, args: string[]): Promise<unknown> {
  const n = arg(args, '--n', 100_000);
  const nQueries = arg(args, '--queries', 40);
  const concurrency = arg(args, '--concurrency', 8);
  const seconds = arg(args, '--seconds', 10);
  const { embedder } = family;
  const target = await composeBenchTarget(args);
  if (target) {
    process.env.BENCH_PRIMARY_URL = target.primaryUrl;
    process.env.BENCH_REPLICA_URL = target.replicaUrl;
  }
  const db = await benchDatabase(target?.database ?? family.database);
  if (target) {
    db.contextReplicaUrl = withPassword(db.contextReplicaUrl, target.contextPassword);
    db.contextPrimaryUrl = withPassword(db.contextPrimaryUrl, target.contextPassword);
  }
  const owner = new pg.Client({ connectionString: db.primaryUrl });
  await owner.connect();

  // Seed (reused across runs when the same dataset is already there).
  const have = Number(
    (
      await owner.query<{ n: string }>(
        'SELECT count(*) AS n FROM incident_embeddings WHERE embedder = $1',
        [embedder],
      )
    ).rows[0]!.n,
  );
  const all = new Float32Array(n * DIMS);
  const fill = progress('vectors', n);
  for (let i = 0; i < n; i++) {
    all.set(family.vector(i), i * DIMS);
    fill.tick();
  }
  fill.done();
  let seedSeconds: number | undefined;
  let indexSeconds: number | undefined;
  if (have !== n || args.includes('--reseed')) {
    // Idempotency keys point at the rows this removes: a replayed request id must not return a ghost.
    await owner.query(
      'TRUNCATE remediation_requests, workflow_executions, idempotency_keys CASCADE',
    );
    await owner.query('DROP INDEX IF EXISTS idx_incident_embeddings_vector');
    const bar = progress('seed incidents (binary COPY)', n);
    const t0 = performance.now();
    let last = 0;
    await seedIncidents(owner, {
      n,
      prefix: PREFIX,
      embedder,
      vector: (i) => all.subarray(i * DIMS, (i + 1) * DIMS),
      baseMs: Date.now(),
      batch: 5000,
      ...(family.namespaceOf ? { namespaceOf: family.namespaceOf } : {}),
      onProgress: (done) => {
        bar.tick(done - last);
        last = done;
      },
    });
    bar.done();
    seedSeconds = (performance.now() - t0) / 1000;
    process.stdout.write('building the HNSW index (m=16, ef_construction=64)...\n');
    const t1 = performance.now();
    await owner.query("SET maintenance_work_mem = '2GB'");
    await owner.query('SET max_parallel_maintenance_workers = 2');
    await owner.query(
      `CREATE INDEX idx_incident_embeddings_vector ON incident_embeddings
       USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)`,
    );
    indexSeconds = (performance.now() - t1) / 1000;
    await seedWorkflows(owner, PREFIX, n);
    await owner.query('VACUUM ANALYZE');
  }
  await waitForReplica(db);
  const idRows = await owner.query<{ id: string; i: number }>(
    `SELECT ie.id::text, substr(rr.name, 4)::int AS i FROM incident_embeddings ie
     JOIN remediation_requests rr ON rr.id = ie.remediation_request_id
      AND rr.created_at = ie.remediation_request_created_at
     WHERE ie.embedder = $1`,
    [embedder],
  );
  const idOf = new Array<string>(n);
  for (const r of idRows.rows) idOf[r.i] = r.id;

  // Queries and their exact answers (brute force over the in-memory vectors).
  const filters = family.filters;
  const queries = Array.from({ length: nQueries }, (_, q) => family.query(q));
  const truthBar = progress('brute-force ground truth', filters.length * nQueries);
  const truth: GroundTruth[][] = filters.map((f) =>
    queries.map((q) => {
      truthBar.tick();
      return topK(q, all, n, 10, f.keep).map((i) => idOf[i]!);
    }),
  );
  truthBar.done();

  const service = target
    ? { proc: { pid: target.context.pid }, stop: async () => {} }
    : await startContextProcess(
        {
          CONTEXT_REPLICA_URL: db.contextReplicaUrl,
          CONTEXT_PRIMARY_URL: db.contextPrimaryUrl,
          CONTEXT_CALIBRATION_INTERVAL: '10m',
        },
        PORT,
      );
  const port = target?.context.port ?? PORT;
  const token = target?.context.token ?? BENCH_TOKEN;
  const client = contextClient(port);
  const auth = { headers: { authorization: `Bearer ${token}` } };
  const search = (q: Float32Array, filter: object, extra: object = {}) =>
    client.searchSimilarIncidents(
      {
        query: { case: 'vector', value: { values: Array.from(q), embedder } },
        filter,
        limit: 10,
        ...extra,
      },
      auth,
    );

  // 0. The service calibrates its recall on this data in the background (first run 5 s after
  // start); measure once it has, as a caller would meet it in steady state.
  const calStart = performance.now();
  for (;;) {
    const plan = (await search(queries[0]!, {})).plan;
    if (plan?.calibration || performance.now() - calStart > 600_000) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const calibrationSeconds = (performance.now() - calStart) / 1000;

  // 1. Recall@10 and latency at concurrency 1 through the service, per selectivity.
  const recall: {
    selectivity: string;
    recall_at_10: number;
    min_recall_at_10: number;
    plan: string;
    ef_search: number;
    calibration: Claim | undefined;
    p50_ms: number;
    p95_ms: number;
    p99_ms: number;
  }[] = [];
  for (const [fi, f] of filters.entries()) {
    let sum = 0;
    let min = 1;
    let method = '';
    let ef = 0;
    let calibration: Claim | undefined;
    const lat: number[] = [];
    for (const [qi, q] of queries.entries()) {
      const t = performance.now();
      const res = await search(q, f.filter);
      lat.push(performance.now() - t);
      const r = recallAt(
        res.results.map((x) => String(x.incident!.id)),
        truth[fi]![qi]!,
      );
      sum += r;
      min = Math.min(min, r);
      method = res.plan!.method;
      ef = res.plan!.efSearch;
      const c = res.plan!.calibration;
      calibration = c && {
        band: c.band,
        namespace: c.namespace,
        measured_recall: c.measuredRecall,
        lower_bound: c.recallLowerBound,
        confidence: c.confidence,
        target_met: c.targetMet,
        ef: c.efSearch,
        sample: c.sampleSize,
      };
    }
    lat.sort((a, b) => a - b);
    const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
    recall.push({
      selectivity: f.label,
      recall_at_10: sum / queries.length,
      min_recall_at_10: min,
      plan: method,
      ef_search: ef,
      calibration,
      p50_ms: pct(0.5),
      p95_ms: pct(0.95),
      p99_ms: pct(0.99),
    });
  }

  // 2. Plan sweep, direct SQL: exact vs HNSW at several ef_search, per selectivity.
  const pool = await createPool({
    url: db.contextReplicaUrl,
    max: concurrency,
    applicationName: 'bench',
  });
  const direct = (
    q: Float32Array,
    f: (typeof filters)[number],
    method: 'exact' | 'hnsw',
    ef: number,
  ) =>
    // What the service runs, minus its replica probe: the same planner settings and the query,
    // sent together in one round trip as the service sends a repeated filter's.
    withReadSession(
      pool,
      {
        settings: {
          ...PLAN_SETTINGS[method],
          'hnsw.ef_search': String(ef || 40),
          'hnsw.iterative_scan': 'relaxed_order',
        },
        alongside: similarIncidentsSql({
          vector: q,
          embedder,
          filter: f.filter,
          limit: 10,
          maxDistance: 1,
          method,
        }),
      },
      async (_c, _probed, rows) => rows!.rows as { ie_id: string }[],
    );
  const sweep = [];
  for (const [fi, f] of args.includes('--skip-sweep') ? [] : filters.entries()) {
    for (const [method, ef] of [
      ['exact', 0],
      ['hnsw', 40],
      ['hnsw', 100],
      ['hnsw', 200],
    ] as const) {
      let sum = 0;
      const t = performance.now();
      for (const [qi, q] of queries.entries()) {
        const rows = await direct(q, f, method, ef);
        sum += recallAt(
          rows.map((r) => String(r.ie_id)),
          truth[fi]![qi]!,
        );
      }
      sweep.push({
        selectivity: f.label,
        method,
        ef_search: ef,
        recall_at_10: sum / queries.length,
        mean_ms: (performance.now() - t) / queries.length,
      });
    }
  }

  // 3. Load: the same queries through gRPC and directly, alternating rounds after a warm-up
  // (the dataset is larger than shared_buffers, so whichever ran first would pay the cache).
  // Direct SQL runs the plan and ef_search the service chose for the filter (from its recall
  // run), so the ratio compares the call paths, not two search efforts.
  const loadOf = async (fi: number) => {
    const f = filters[fi]!;
    const method = recall[fi]!.plan === 'exact' ? 'exact' : 'hnsw';
    const ef = recall[fi]!.ef_search || 100;
    const grpc = (i: number) => search(queries[i % queries.length]!, f.filter);
    const pgDirect = (i: number) => direct(queries[i % queries.length]!, f, method, ef);
    const encoded = queries.map((q) =>
      Buffer.from(
        toBinary(
          SearchSimilarIncidentsRequestSchema,
          create(SearchSimilarIncidentsRequestSchema, {
            query: { case: 'vector', value: { values: Array.from(q), embedder } },
            filter: f.filter,
            limit: 10,
          }),
        ),
      ),
    );
    const frames = (i: number) => raw.call(encoded[i % encoded.length]!);
    await closedLoop(concurrency, 3, grpc);
    await closedLoop(concurrency, 3, frames);
    await closedLoop(concurrency, 3, pgDirect);
    const rounds: { grpc: LoadResult[]; frames: LoadResult[]; direct: LoadResult[] } = {
      grpc: [],
      frames: [],
      direct: [],
    };
    for (let r = 0; r < 2; r++) {
      const pid = service.proc.pid;
      rounds.frames.push(await withCpu(pid, () => closedLoop(concurrency, seconds / 2, frames)));
      rounds.direct.push(await withCpu(pid, () => closedLoop(concurrency, seconds / 2, pgDirect)));
      rounds.grpc.push(await withCpu(pid, () => closedLoop(concurrency, seconds / 2, grpc)));
    }
    const g = merge(rounds.grpc);
    const fr = merge(rounds.frames);
    const d = merge(rounds.direct);
    return {
      grpc: g,
      grpc_frames: fr,
      direct: d,
      ratio: g.qps / d.qps,
      ratio_frames: fr.qps / d.qps,
      // Database work per call, direct ÷ through the service: the QPS ratio the service would
      // reach if Postgres had the cores to itself (here it shares two with both Node processes).
      ratio_postgres_cpu: (d.cpuMsPerCall?.postgres ?? 0) / (g.cpuMsPerCall?.postgres ?? 1),
    };
  };
  const raw = rawUnary(port, '/autoserve.context.v1.ContextService/SearchSimilarIncidents', token);
  const unfilteredLoad = await loadOf(0);
  const selectiveLoad = await loadOf(2);

  // 4. Success rates: live aggregate vs the materialized view.
  const rates = await successRatesLiveVsView(owner, pool, PREFIX);

  raw.close();
  await service.stop();
  await pool.end();
  await owner.end();

  const result = {
    dataset: {
      family: family.name,
      incidents: n,
      dims: DIMS,
      queries: nQueries,
      seedSeconds,
      indexSeconds,
      calibrationSeconds,
    },
    recall,
    sweep,
    load: {
      concurrency,
      seconds,
      unfiltered: unfilteredLoad,
      selective_1pct: selectiveLoad,
    },
    success_rates: rates,
  };
  print(result);
  return result;
}

/** What the service's calibration claimed for the curve behind a filter's plan. */
interface Claim {
  band: string;
  namespace: string;
  measured_recall: number;
  lower_bound: number;
  confidence: number;
  target_met: boolean;
  ef: number;
  sample: number;
}

function print(r: {
  recall: {
    selectivity: string;
    recall_at_10: number;
    min_recall_at_10: number;
    plan: string;
    ef_search: number;
    calibration: Claim | undefined;
    p50_ms: number;
    p95_ms: number;
    p99_ms: number;
  }[];
  sweep: {
    selectivity: string;
    method: string;
    ef_search: number;
    recall_at_10: number;
    mean_ms: number;
  }[];
  load: Record<string, unknown>;
  success_rates: unknown;
}): void {
  const out = process.stdout;
  out.write('\nrecall@10 through gRPC (service-chosen plan, concurrency 1)\n');
  out.write('selectivity      recall   min    plan   ef    p50 ms  p95 ms  p99 ms\n');
  for (const x of r.recall) {
    out.write(
      `${x.selectivity.padEnd(15)}  ${x.recall_at_10.toFixed(3)}   ${x.min_recall_at_10.toFixed(2)}   ${x.plan.padEnd(5)}  ${String(x.ef_search).padStart(4)}  ${x.p50_ms.toFixed(1).padStart(6)}  ${x.p95_ms.toFixed(1).padStart(6)}  ${x.p99_ms.toFixed(1).padStart(6)}\n`,
    );
  }
  const settings = [
    'CONTEXT_TARGET_RECALL',
    'CONTEXT_CALIBRATION_CONFIDENCE',
    'CONTEXT_CALIBRATION_SAMPLE',
    'CONTEXT_CALIBRATION_SCOPE_BUDGET',
    'CONTEXT_CALIBRATION_NAMESPACES',
  ].map((k) => `${k}=${process.env[k] ?? '(default)'}`);
  out.write(`\ncalibration settings: ${settings.join(' ')}`);
  out.write(
    '\ncalibration claim vs this run (the curve behind each plan; the bound is what it promises)\n' +
      'selectivity      curve               n    ef    mean   bound  conf  met  | bench mean\n',
  );
  for (const x of r.recall) {
    const c = x.calibration;
    const curve = c ? (c.namespace ? `ns ${c.namespace}` : `band ${c.band}`) : '(none)';
    out.write(
      `${x.selectivity.padEnd(15)}  ${curve.slice(0, 18).padEnd(18)}  ` +
        (c
          ? `${String(c.sample).padStart(3)}  ${String(c.ef).padStart(4)}  ${c.measured_recall.toFixed(3)}  ${c.lower_bound.toFixed(3)}  ${c.confidence.toFixed(2)}  ${c.target_met ? 'yes' : 'no '}`
          : ''.padEnd(39)) +
        `  | ${x.recall_at_10.toFixed(3)}\n`,
    );
  }
  out.write('\nplan sweep, direct SQL\nselectivity  method  ef   recall  mean ms\n');
  for (const x of r.sweep) {
    out.write(
      `${x.selectivity.padEnd(11)}  ${x.method.padEnd(6)}  ${String(x.ef_search).padStart(3)}  ${x.recall_at_10.toFixed(3)}   ${x.mean_ms.toFixed(1)}\n`,
    );
  }
  out.write('\nload (closed loop)\n');
  for (const [k, v] of Object.entries(r.load)) {
    if (typeof v !== 'object' || v === null) continue;
    type Figures = Pick<LoadResult, 'qps' | 'p50' | 'p95' | 'p99' | 'cpuMsPerCall'>;
    const { grpc, grpc_frames, direct, ratio, ratio_frames, ratio_postgres_cpu } = v as {
      grpc: Figures;
      grpc_frames: Figures;
      direct: Figures;
      ratio: number;
      ratio_frames: number;
      ratio_postgres_cpu: number;
    };
    for (const [name, x] of [
      ['grpc typed client', grpc],
      ['grpc pre-encoded', grpc_frames],
      ['direct pg', direct],
    ] as const) {
      const cpu = x.cpuMsPerCall;
      out.write(
        `${k.padEnd(15)} ${name.padEnd(17)} ${x.qps.toFixed(0).padStart(6)} qps  p50 ${x.p50.toFixed(1)}  p95 ${x.p95.toFixed(1)}  p99 ${x.p99.toFixed(1)} ms` +
          (cpu
            ? `  cpu ms/call: postgres ${cpu.postgres.toFixed(2)}, server ${cpu.server.toFixed(2)}, client ${cpu.client.toFixed(2)}`
            : '') +
          '\n',
      );
    }
    out.write(
      `${k.padEnd(15)} ratio grpc/direct: typed client ${ratio.toFixed(2)}, pre-encoded ${ratio_frames.toFixed(2)}; postgres cpu/call direct/grpc ${ratio_postgres_cpu.toFixed(2)}\n`,
    );
  }
  out.write(`\nsuccess rates: ${JSON.stringify(r.success_rates)}\n`);
}
