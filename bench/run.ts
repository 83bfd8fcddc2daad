/**
 * `npm run bench -- <name> [...args]`: runs bench/<name>.ts. Each benchmark
 * prints a table and writes bench/results/<name>.json. Database URLs come
 * from the environment (BENCH_PRIMARY_URL / BENCH_REPLICA_URL, superuser),
 * else the local harness (scripts/pg.sh) is started.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3));
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|') || 'name'}> [args]\n`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { main(args: string[]): Promise<void> };
await mod.main(args);
