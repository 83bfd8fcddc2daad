import type { MetricInput, ScalingMetric } from '../../decision/types.js';
import type { Db } from '../../queries/db.js';

/** What the engine needs from the metrics table for one app. */
export interface EngineMetrics {
  metrics: Partial<Record<ScalingMetric, MetricInput>>;
  reported: Set<ScalingMetric>;
  activationValue: number | undefined;
  lastActiveAt: number | undefined;
}

const SCALING: readonly ScalingMetric[] = [
  'cpu_percent',
  'memory_percent',
  'rps',
  'latency_p95',
  'active_connections',
];
/** App-level value is a total the replicas share. */
const SHARED = new Set<string>(['rps', 'active_connections']);

interface Row {
  metric_type: string;
  instance_id: number | null;
  avg: number;
  p95: number;
  slope: number | null;
}

/**
 * Window aggregates for the decision engine, in two statements over the
 * (app_name, metric_type, timestamp) index: per-instance means of instance
 * samples, app-level means / p95 / least-squares slope, which metrics the app
 * reported in the lookback, the latency baseline (lowest 10 s p95 of the last
 * hour) and when traffic was last above zero.
 */
export async function getEngineMetrics(
  db: Db,
  opts: { appName: string; windowSeconds: number; lookbackSeconds: number; activation: string },
): Promise<EngineMetrics> {
  const types = [...new Set([...SCALING, opts.activation])];
  const res = await db.query<Row>(
    `SELECT metric_type,
            CASE WHEN aggregation_level = 'instance' THEN instance_id END AS instance_id,
            avg(value)::float8 AS avg,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY value)::float8 AS p95,
            regr_slope(value, extract(epoch FROM timestamp))::float8 AS slope
       FROM metrics
      WHERE app_name = $1 AND metric_type = ANY ($2)
        AND timestamp > now() - make_interval(secs => $3)
      GROUP BY 1, 2`,
    [opts.appName, types, opts.windowSeconds],
  );
  const meta = await db.query<{
    reported: string[] | null;
    last_active: Date | null;
    baseline: number | null;
  }>(
    `SELECT
       (SELECT array_agg(DISTINCT metric_type) FROM metrics
         WHERE app_name = $1 AND metric_type = ANY ($2)
           AND timestamp > now() - make_interval(secs => $3)) AS reported,
       (SELECT max(timestamp) FROM metrics
         WHERE app_name = $1 AND metric_type = ANY ($4) AND value > 0
           AND timestamp > now() - make_interval(secs => $3)) AS last_active,
       (SELECT min(v)::float8 FROM (
          SELECT avg(value) AS v FROM metrics
           WHERE app_name = $1 AND metric_type = 'latency_p95'
             AND timestamp > now() - interval '1 hour'
           GROUP BY date_bin('10 seconds', timestamp, timestamp '2000-01-01')) b) AS baseline`,
    [opts.appName, SCALING, opts.lookbackSeconds, ['rps', 'active_connections', opts.activation]],
  );
  const out: EngineMetrics = {
    metrics: {},
    reported: new Set((meta.rows[0]?.reported ?? []) as ScalingMetric[]),
    activationValue: undefined,
    lastActiveAt: meta.rows[0]?.last_active?.getTime(),
  };
  const appRows = new Map<string, Row>();
  const perInstance = new Map<string, Map<number, number>>();
  for (const r of res.rows) {
    if (r.instance_id === null) appRows.set(r.metric_type, r);
    else {
      const m = perInstance.get(r.metric_type) ?? new Map<number, number>();
      m.set(r.instance_id, r.avg);
      perInstance.set(r.metric_type, m);
    }
  }
  const appValue = (type: string): { app?: number; trendPerSecond?: number } => {
    const a = appRows.get(type);
    if (a) return { app: type === 'latency_p95' ? a.p95 : a.avg, trendPerSecond: a.slope ?? 0 };
    const inst = perInstance.get(type);
    if (!inst || inst.size === 0) return {};
    const values = [...inst.values()];
    const total = values.reduce((x, y) => x + y, 0);
    return { app: SHARED.has(type) ? total : total / values.length };
  };
  for (const type of SCALING) {
    const inst = perInstance.get(type);
    const app = appValue(type);
    if (!inst && app.app === undefined) continue;
    const input: MetricInput = { ...app };
    if (inst && type !== 'latency_p95') input.perInstance = inst;
    if (type === 'latency_p95' && meta.rows[0]?.baseline != null)
      input.baseline = meta.rows[0].baseline;
    out.metrics[type] = input;
  }
  out.activationValue = appValue(opts.activation).app;
  return out;
}
