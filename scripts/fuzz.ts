/**
 * `npm run fuzz [-- --per-rpc 10000] [--seed 1] [--concurrency 8] [--rounds 2]
 * [--heap-snapshot] [--methods REGEX]` (`--help` prints the options): fuzzes
 * every RPC of both services (see scripts/fuzz/), prints one line per
 * method, writes bench/results/fuzz.json, and exits 1 on any finding (a
 * crash, INTERNAL/UNKNOWN for a caller's request, a service not SERVING).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fuzzServices } from './fuzz/stack.js';
import { REPO } from './lib/repo.js';

const USAGE = `npm run fuzz -- [options]
  --per-rpc N       calls per method (default 200; the full run is 10000)
  --seed S          generator seed (default 1); the same seed sends the same requests
  --concurrency C   calls in flight per method (default 8)
  --rounds R        passes over every method, seeds S, S+1, ... (default 1)
  --methods REGEX   only methods whose path matches, e.g. RecordRemediation
  --heap-snapshot   heap snapshot of each service into /tmp after the run
Postgres: the harness cluster on PG_PRIMARY_PORT / PG_REPLICA_PORT (default 55432/55433),
database AUTOSERVE_DB (default autoserve_fuzz_<pid>, dropped before and after).
Writes bench/results/fuzz.json; exits 1 on a crash, an INTERNAL/UNKNOWN answer or a
service not SERVING after a method.
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const report = await fuzzServices({
  perRpc: arg('--per-rpc', 200),
  seed: arg('--seed', 1),
  concurrency: arg('--concurrency', 8),
  rounds: arg('--rounds', 1),
  ...(process.argv.includes('--heap-snapshot') ? { heapSnapshotDir: '/tmp' } : {}),
  ...(process.argv.includes('--methods')
    ? { methods: new RegExp(process.argv[process.argv.indexOf('--methods') + 1] ?? '') }
    : {}),
  env: process.env,
  log: (line) => process.stdout.write(`${line}\n`),
});
mkdirSync(`${REPO}/bench/results`, { recursive: true });
writeFileSync(`${REPO}/bench/results/fuzz.json`, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(
  `\n${report.calls} calls in ${report.seconds} s: ${report.faults} INTERNAL/UNKNOWN, ${report.crashes} crashes, ` +
    `${report.health_failures} health failures; RSS MB ${JSON.stringify(report.rss_mb)}, ` +
    `idle after each round ${JSON.stringify(report.rss_after_round_mb)}\n` +
    (report.heap_snapshots.length ? `heap snapshots: ${report.heap_snapshots.join(' ')}\n` : '') +
    'bench/results/fuzz.json written\n',
);
process.exit(report.faults || report.crashes || report.health_failures ? 1 : 0);
