/**
 * `npm run bench -- context-quant [--n 100000] [--queries 20]`
 *
 * Recall per millisecond of the filtered exact path's alternatives at 1536 dimensions, direct SQL
 * on the primary over the mixture family that `npm run bench -- context --family mixture` seeded
 * (run that first, same --n): the stored `vector` scanned exactly (today's exact path, and the
 * truth here), the same rows as `halfvec` (half the bytes per row), and binary quantization
 * (`binary_quantize`, Hamming distance over 192 bytes per row) with exact re-ranking of the best
 * K candidates. The quantized copies live in a side table of the bench database only (no schema
 * change). Prints a table; writes bench/results/context-quant.json.
 */
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { vectorToBinary } from '../context-service/dist/queries/similar.js';
import { MixtureVectors } from '../test/kit/mixture.js';
import { recallAt } from '../test/kit/truth.js';
import { benchDatabase } from './support/bench-db.js';

const DIMS = 1536;
const PREFIX = 'bench';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[]): Promise<void> {
  const n = arg(args, '--n', 100_000);
  const nQueries = arg(args, '--queries', 20);
  const embedder = `bench-mixture-v1-${n}`;
  const db = await benchDatabase('autoserve_bench_mixture');
  const c = new pg.Client({ connectionString: db.primaryUrl });
  await c.connect();
  const have = await c.query(
    'SELECT count(*)::int AS n FROM incident_embeddings WHERE embedder = $1',
    [embedder],
  );
  if (have.rows[0].n !== n)
    throw new Error(`seed the mixture family first (context --family mixture --n ${n})`);
  const built = await c.query("SELECT to_regclass('bench_quant') IS NOT NULL AS ok");
  if (!built.rows[0].ok) {
    process.stdout.write('building the quantized side table...\n');
    await c.query(
      `CREATE TABLE bench_quant AS
       SELECT id, namespace, binary_quantize(embedding)::bit(1536) AS bits,
              embedding::halfvec(1536) AS half
       FROM incident_embeddings WHERE embedder = $1`,
      [embedder],
    );
    await c.query('CREATE INDEX ON bench_quant (namespace)');
    await c.query('ALTER TABLE bench_quant ADD PRIMARY KEY (id)');
    await c.query('VACUUM ANALYZE bench_quant');
  }
  await c.query('SET jit = off');
  const m = new MixtureVectors({ n, dims: DIMS, seed: 1234 });
  const filters = m.filters(PREFIX).slice(1) as { label: string; filter: { namespace: string } }[];
  const queries = Array.from({ length: nQueries }, (_, q) => vectorToBinary(m.query(q)));

  const exact = `SELECT id::text FROM incident_embeddings
    WHERE embedder = $2 AND namespace = $3 ORDER BY (embedding <=> $1::vector) + 0 LIMIT 10`;
  const half = `SELECT id::text FROM bench_quant
    WHERE namespace = $3 AND $2::text IS NOT NULL ORDER BY (half <=> $1::vector::halfvec(1536)) + 0 LIMIT 10`;
  const bq = (k: number) => `WITH cand AS MATERIALIZED (
      SELECT id FROM bench_quant WHERE namespace = $3 AND $2::text IS NOT NULL
      ORDER BY bits <~> binary_quantize($1::vector)::bit(1536) LIMIT ${k})
    SELECT ie.id::text FROM cand JOIN incident_embeddings ie USING (id)
    ORDER BY ie.embedding <=> $1::vector LIMIT 10`;
  const methods: [string, string][] = [
    ['vector exact', exact],
    ['halfvec exact', half],
    ['bq + rerank 40', bq(40)],
    ['bq + rerank 100', bq(100)],
    ['bq + rerank 400', bq(400)],
  ];
  const rows = [];
  for (const f of filters) {
    const truth: string[][] = [];
    for (const q of queries) {
      truth.push((await c.query(exact, [q, embedder, f.filter.namespace])).rows.map((r) => r.id));
    }
    for (const [name, sql] of methods) {
      // Alternate nothing here: one warm-up pass, then the timed pass, per method.
      for (const q of queries.slice(0, 3)) await c.query(sql, [q, embedder, f.filter.namespace]);
      let sum = 0;
      let min = 1;
      const t = performance.now();
      for (const [qi, q] of queries.entries()) {
        const got = (await c.query(sql, [q, embedder, f.filter.namespace])).rows.map((r) => r.id);
        const r = recallAt(got, truth[qi]!);
        sum += r;
        min = Math.min(min, r);
      }
      const ms = (performance.now() - t) / queries.length;
      rows.push({
        selectivity: f.label,
        method: name,
        recall_at_10: sum / queries.length,
        min_recall_at_10: min,
        mean_ms: ms,
      });
      process.stdout.write(
        `${f.label.padEnd(16)} ${name.padEnd(16)} recall ${(sum / queries.length).toFixed(3)} min ${min.toFixed(2)}  ${ms.toFixed(1)} ms\n`,
      );
    }
  }
  const size = await c.query(
    `SELECT pg_column_size(embedding) AS vector_bytes,
            (SELECT pg_column_size(half) FROM bench_quant LIMIT 1) AS halfvec_bytes,
            (SELECT pg_column_size(bits) FROM bench_quant LIMIT 1) AS bits_bytes
     FROM incident_embeddings WHERE embedder = $1 LIMIT 1`,
    [embedder],
  );
  await c.end();
  writeFileSync(
    new URL('./results/context-quant.json', import.meta.url),
    `${JSON.stringify({ n, queries: nQueries, bytes_per_row: size.rows[0], rows }, null, 2)}\n`,
  );
  process.stdout.write(`bytes per row: ${JSON.stringify(size.rows[0])}\n`);
}
