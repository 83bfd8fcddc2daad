import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './stats.js';

/** CPU ms spent per call by each side of a load run (user + system, from /proc). */
export interface CpuPerCall {
  /** This process: the load generator (and, for direct runs, the pg client). */
  client: number;
  /** The service process; 0 for direct runs. */
  server: number;
  /** The bench cluster's postgres processes (postmasters, backends, walreceiver, startup...). */
  postgres: number;
}

// USER_HZ: /proc reports CPU time in clock ticks of 10 ms on Linux.
export const TICK_MS = 10;

export function ticksOf(pid: number): number {
  try {
    // Fields after the parenthesised command: state is [0], utime [11], stime [12].
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0; // the process exited between listing and reading
  }
}

// The bench's own cluster (scripts/pg.sh under PG_DIR): its postmasters' data dirs start with it.
// Other clusters on a shared machine (other checkouts' tests) must not count as this run's cost.
const CLUSTER_DIR = process.env.BENCH_PRIMARY_URL
  ? undefined
  : (process.env.PG_DIR ?? fileURLToPath(new URL('../../.data/pg', import.meta.url)));

function postgresTicks(): number {
  const procs: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('postgres')) continue;
      const ppid = Number(
        readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1],
      );
      procs.push({ pid: Number(entry), ppid, cmdline });
    } catch {
      // gone, or not ours to read
    }
  }
  // A postmaster's cmdline is "<bin>/postgres\0-D\0<datadir>"; backends are its children.
  const ours = new Set(
    procs
      .filter((p) => CLUSTER_DIR === undefined || p.cmdline.includes(`${CLUSTER_DIR}/`))
      .map((p) => p.pid),
  );
  let sum = 0;
  for (const p of procs) {
    if (ours.has(p.pid) || ours.has(p.ppid)) sum += ticksOf(p.pid);
  }
  return sum;
}

/**
 * Runs a load and attributes the CPU it cost per call. On a machine where the
 * load generator, the service and Postgres share the cores, throughput ratios
 * mostly say who burns CPU; these figures say it directly. Postgres backends
 * that start or exit during the run are missed, so the pools must be warm.
 */
export async function withCpu(
  serverPid: number | undefined,
  run: () => Promise<LoadResult>,
): Promise<LoadResult> {
  const before = { client: ticksOf(process.pid), server: serverPid ? ticksOf(serverPid) : 0 };
  const pgBefore = postgresTicks();
  const result = await run();
  const calls = Math.max(1, result.calls);
  const per = (ticks: number) => (ticks * TICK_MS) / calls;
  return {
    ...result,
    cpuMsPerCall: {
      client: per(ticksOf(process.pid) - before.client),
      server: serverPid ? per(ticksOf(serverPid) - before.server) : 0,
      postgres: per(postgresTicks() - pgBefore),
    },
  };
}
