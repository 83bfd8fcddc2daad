import { readdirSync, readFileSync } from 'node:fs';
import type { LoadResult } from './stats.js';

/** CPU ms spent per call by each side of a load run (user + system, from /proc). */
export interface CpuPerCall {
  /** This process: the load generator (and, for direct runs, the pg client). */
  client: number;
  /** The service process; 0 for direct runs. */
  server: number;
  /** Every postgres process on the machine (backends, walreceiver, startup...). */
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

function postgresTicks(): number {
  let sum = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith('postgres')) {
        sum += ticksOf(Number(entry));
      }
    } catch {
      // gone, or not ours to read
    }
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
