/**
 * `npm run fuzz [-- --per-rpc 10000] [--seed 1] [--concurrency 8] [--rounds 2]
 * [--heap-snapshot]`: fuzzes
 * every RPC of both services (see scripts/fuzz/), prints one line per
 * method, writes bench/results/fuzz.json, and exits 1 on any finding (a
 * crash, INTERNAL/UNKNOWN for a caller's request, a service not SERVING).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fuzzServices } from './fuzz/stack.js';
import { REPO } from './lib/repo.js';

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
