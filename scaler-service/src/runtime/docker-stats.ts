/** The parts of a Docker stats answer the Scaler reads. */
export interface DockerStatsLike {
  cpu_stats: {
    cpu_usage: { total_usage: number };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

/** A cumulative CPU reading kept between two stats calls. */
export interface CpuSample {
  total: number;
  system: number;
}

/**
 * CPU percent as `docker stats` computes it: container CPU time over system
 * CPU time between two readings, times the online CPUs. One-shot stats come
 * without a previous reading, so the caller keeps the last one.
 */
export function cpuPercentOf(
  s: DockerStatsLike,
  prev: CpuSample | undefined,
): { percent: number; sample: CpuSample } {
  const sample = {
    total: s.cpu_stats.cpu_usage.total_usage,
    system: s.cpu_stats.system_cpu_usage ?? 0,
  };
  const base = prev ?? {
    total: s.precpu_stats?.cpu_usage?.total_usage ?? 0,
    system: s.precpu_stats?.system_cpu_usage ?? 0,
  };
  const dCpu = sample.total - base.total;
  const dSys = sample.system - base.system;
  const cpus = s.cpu_stats.online_cpus ?? 1;
  const percent = dCpu > 0 && dSys > 0 && base.system > 0 ? (dCpu / dSys) * cpus * 100 : 0;
  return { percent: Math.max(0, percent), sample };
}

/** Working-set memory (usage minus inactive page cache) and its share of the limit. */
export function memoryOf(s: DockerStatsLike): { memoryBytes: number; memoryPercent: number } {
  const m = s.memory_stats ?? {};
  const cache = m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? 0;
  const bytes = Math.max(0, (m.usage ?? 0) - cache);
  const limit = m.limit ?? 0;
  return {
    memoryBytes: bytes,
    memoryPercent: limit > 0 ? Math.min(100, (bytes / limit) * 100) : 0,
  };
}
