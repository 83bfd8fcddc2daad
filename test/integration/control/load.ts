import type pg from 'pg';

/** A bounded loopback load: `clients` loops calling GET /work?ms=N on the current endpoints. */
export interface LoadResult {
  requests: number;
  errors: number;
}

export function startLoad(opts: {
  endpoints: () => { ip: string; port: number }[];
  clients: number;
  workMs: number;
  durationMs: number;
  onSample: (latencyMs: number) => void;
}): Promise<LoadResult> {
  const until = Date.now() + opts.durationMs;
  const result: LoadResult = { requests: 0, errors: 0 };
  let rr = 0;
  const loop = async () => {
    while (Date.now() < until) {
      const eps = opts.endpoints();
      if (eps.length === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const ep = eps[rr++ % eps.length]!;
      const t0 = performance.now();
      try {
        const res = await fetch(`http://${ep.ip}:${ep.port}/work?ms=${opts.workMs}`, {
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (!res.ok) result.errors++;
        opts.onSample(performance.now() - t0);
        result.requests++;
      } catch {
        result.errors++;
      }
    }
  };
  return Promise.all(Array.from({ length: opts.clients }, loop)).then(() => result);
}

/**
 * Pushes app-level RPS and p95 latency into the metrics table every
 * `everyMs`, as a load balancer's exporter would.
 */
export function startMetricsPusher(pool: pg.Pool, app: string, everyMs: number) {
  let latencies: number[] = [];
  let count = 0;
  const timer = setInterval(() => {
    const rps = (count * 1000) / everyMs;
    const sorted = latencies.sort((a, b) => a - b);
    const p95 = sorted.length
      ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!
      : undefined;
    count = 0;
    latencies = [];
    void pool
      .query(
        `INSERT INTO metrics (app_name, metric_type, value, aggregation_level)
         SELECT $1, t, v, 'app' FROM unnest($2::text[], $3::float8[]) AS x(t, v)`,
        [
          app,
          p95 === undefined ? ['rps'] : ['rps', 'latency_p95'],
          p95 === undefined ? [rps] : [rps, p95],
        ],
      )
      .catch(() => {});
  }, everyMs);
  return {
    record(latencyMs: number) {
      count++;
      latencies.push(latencyMs);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
