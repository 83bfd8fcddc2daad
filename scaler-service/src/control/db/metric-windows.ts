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

export interface MetricsRequest {
  appName: string;
  windowSeconds: number;
  lookbackSeconds: number;
  activation: string;
}

/** Window aggregates for one app (see getEngineMetricsForApps). */
export async function getEngineMetrics(db: Db, opts: MetricsRequest): Promise<EngineMetrics> {
  return (await getEngineMetricsForApps(db, [opts])).get(opts.appName)!;
}

/**
 * Window aggregates for the decision engine, for many apps in two statements
 * (each app with its own window, lookback and activation metric): per-instance
 * means of instance samples, app-level means / p95 / least-squares slope,
 * which metrics the app reported in the lookback, and when traffic was last
 * above zero (the second statement); the latency baseline (lowest 10 s p95 of the last hour) comes
 * from the caller when it keeps them, since they move slowly. Instance rows
 * never stand in for an app-level value of a per-instance metric (the engine
 * treats a metric whose counted instances are silent as invalid, as the HPA
 * does); the app value derived from them only feeds trends and activation.
 *
 * Every part is a LATERAL subquery per app that the planner cannot flatten
 * (an aggregate, LIMIT 1), so each is a range scan of
 * idx_metrics_app_type_time for that app's window: flattened into a join, the
 * aggregate was hashed over the whole metrics table (0.9 s for 1,000 apps,
 * growing with the table) and the lookback EXISTS became a semi-join reading
 * every sample of the lookback. Run it with jit off (see evaluateApps):
 * 1,000 cheap probes add up to a plan cost that triggers JIT compilation,
 * which took longer than the query.
 */
export async function getEngineMetricsForApps(
  db: Db,
  reqs: readonly MetricsRequest[],
  baselines?: ReadonlyMap<string, number | null>,
): Promise<Map<string, EngineMetrics>> {
  const out = new Map<string, EngineMetrics>();
  if (reqs.length === 0) return out;
  const names = reqs.map((r) => r.appName);
  const types = [...new Set([...SCALING, ...reqs.map((r) => r.activation)])];
  const res = await db.query<Row & { app: string }>(
    `SELECT w.app, a.*
       FROM unnest($1::text[], $2::int[]) w(app, secs)
      CROSS JOIN LATERAL (
         SELECT m.metric_type,
                CASE WHEN m.aggregation_level = 'instance' THEN m.instance_id END AS instance_id,
                avg(m.value)::float8 AS avg,
                -- Only app-level latency needs its p95, only app-level series a slope.
                (percentile_cont(0.95) WITHIN GROUP (ORDER BY m.value)
                   FILTER (WHERE m.metric_type = 'latency_p95'))::float8 AS p95,
                regr_slope(m.value, extract(epoch FROM m.timestamp))
                  FILTER (WHERE m.aggregation_level <> 'instance')::float8 AS slope
           FROM metrics m
          WHERE m.app_name = w.app AND m.metric_type = ANY ($3)
            AND m.timestamp > now() - make_interval(secs => w.secs)
          GROUP BY 1, 2) a`,
    [names, reqs.map((r) => r.windowSeconds), types],
  );
  // Index probes, not aggregates: whether each type has a sample in the
  // lookback (LIMIT 1: an EXISTS here was turned into a semi-join over the
  // whole lookback), and the newest positive traffic sample.
  const meta = await db.query<{
    app: string;
    reported: string[] | null;
    last_active: Date | null;
  }>(
    `SELECT w.app,
       ARRAY(SELECT t FROM unnest($3::text[]) t,
               LATERAL (SELECT 1 FROM metrics WHERE app_name = w.app AND metric_type = t
                          AND timestamp > now() - make_interval(secs => w.secs) LIMIT 1) e
       ) AS reported,
       (SELECT max(l.ts) FROM unnest(ARRAY['rps', 'active_connections', w.activation]) a(t),
          LATERAL (SELECT timestamp AS ts FROM metrics
                    WHERE app_name = w.app AND metric_type = a.t AND value > 0
                      AND timestamp > now() - make_interval(secs => w.secs)
                    ORDER BY timestamp DESC LIMIT 1) l) AS last_active
       FROM unnest($1::text[], $2::int[], $4::text[]) w(app, secs, activation)`,
    [names, reqs.map((r) => r.lookbackSeconds), SCALING, reqs.map((r) => r.activation)],
  );
  const base = baselines ?? (await getLatencyBaselines(db, names));
  const rowsByApp = new Map<string, Row[]>();
  for (const r of res.rows) {
    const list = rowsByApp.get(r.app) ?? [];
    list.push(r);
    rowsByApp.set(r.app, list);
  }
  const metaByApp = new Map(meta.rows.map((m) => [m.app, m]));
  for (const req of reqs) {
    const m = metaByApp.get(req.appName);
    const withBase = m && { ...m, baseline: base.get(req.appName) ?? null };
    out.set(req.appName, assemble(rowsByApp.get(req.appName) ?? [], withBase, req.activation));
  }
  return out;
}

function assemble(
  rows: readonly Row[],
  meta:
    | { reported: string[] | null; last_active: Date | null; baseline: number | null }
    | undefined,
  activation: string,
): EngineMetrics {
  const out: EngineMetrics = {
    metrics: {},
    reported: new Set((meta?.reported ?? []) as ScalingMetric[]),
    activationValue: undefined,
    lastActiveAt: meta?.last_active?.getTime(),
  };
  const appRows = new Map<string, Row>();
  const perInstance = new Map<string, Map<number, number>>();
  for (const r of rows) {
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
    if (type === 'latency_p95' && meta?.baseline != null) input.baseline = meta.baseline;
    out.metrics[type] = input;
  }
  out.activationValue = appValue(activation).app;
  return out;
}

/**
 * The latency baseline of many apps: the lowest 10 s mean p95 of the last
 * hour (an idle replica's p95, for the queue model). It reads an hour of
 * samples, so a control pass keeps it and refreshes it once a minute.
 */
export async function getLatencyBaselines(
  db: Db,
  appNames: readonly string[],
): Promise<Map<string, number | null>> {
  if (appNames.length === 0) return new Map();
  const res = await db.query<{ app: string; baseline: number | null }>(
    `SELECT w.app, (SELECT min(v)::float8 FROM (
          SELECT avg(value) AS v FROM metrics
           WHERE app_name = w.app AND metric_type = 'latency_p95'
             AND timestamp > now() - interval '1 hour'
           GROUP BY date_bin('10 seconds', timestamp, timestamp '2000-01-01')) b) AS baseline
       FROM unnest($1::text[]) w(app)`,
    [appNames],
  );
  return new Map(res.rows.map((r) => [r.app, r.baseline]));
}
