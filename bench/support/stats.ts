import type { CpuPerCall } from './proc-cpu.js';

/** Percentile (nearest rank) of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface LoadResult {
  /** CPU per call by process, when measured (see withCpu). */
  cpuMsPerCall?: CpuPerCall;
  calls: number;
  errors: number;
  seconds: number;
  qps: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Runs `call` from `concurrency` loops for `seconds` and reports throughput
 * and latency (ms). Each loop issues its next call when the previous one ends
 * (closed loop), so QPS is what the system sustains at that concurrency.
 */
export async function closedLoop(
  concurrency: number,
  seconds: number,
  call: (n: number) => Promise<unknown>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        try {
          await call(n++);
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    errors,
    seconds: elapsed,
    qps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

/** Combines rounds: summed calls over summed time; latency percentiles averaged. */
export function merge(rounds: LoadResult[]): LoadResult {
  const sum = (f: (r: LoadResult) => number) => rounds.reduce((s, r) => s + f(r), 0);
  const mean = (f: (r: LoadResult) => number) => sum(f) / rounds.length;
  const cpu = (k: keyof CpuPerCall) =>
    sum((r) => (r.cpuMsPerCall?.[k] ?? 0) * r.calls) /
    Math.max(
      1,
      sum((r) => r.calls),
    );
  return {
    cpuMsPerCall: rounds.some((r) => r.cpuMsPerCall)
      ? { client: cpu('client'), server: cpu('server'), postgres: cpu('postgres') }
      : undefined,
    calls: sum((r) => r.calls),
    errors: sum((r) => r.errors),
    seconds: sum((r) => r.seconds),
    qps: sum((r) => r.calls) / sum((r) => r.seconds),
    p50: mean((r) => r.p50),
    p95: mean((r) => r.p95),
    p99: mean((r) => r.p99),
  };
}
