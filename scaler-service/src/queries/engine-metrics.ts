import type { MetricInput, ScalingMetric } from '../decision/types.js';
import type { Db } from './db.js';

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
  /** The group's newest sample above zero, epoch ms (a number parses cheaper than a Date). */
  newest_positive: number | null;
}

/** Metrics whose samples above zero mean traffic (plus each app's activation metric). */
const TRAFFIC: readonly string[] = ['rps', 'active_connections'];

export interface MetricsRequest {
  appName: string;
  windowSeconds: number;
  lookbackSeconds: number;
  activation: string;
}

/** Window aggregates for one app (see listEngineMetricsOfApps). */
export async function getEngineMetrics(db: Db, opts: MetricsRequest): Promise<EngineMetrics> {
  return (await listEngineMetricsOfApps(db, [opts])).get(opts.appName)!;
}

/**
 * Window aggregates for the decision engine, for many apps in one or two
 * statements (each app with its own window, lookback and activation metric):
 * per-instance means of instance samples, app-level means / p95 /
 * least-squares slope, which metrics the app reported in the lookback and
 * when traffic was last above zero (lookbackFacts); the latency baseline
 * (lowest 10 s p95 of the last hour) comes from the caller when it keeps
 * them, since they move slowly. Instance rows never stand in for an
 * app-level value of a per-instance metric (the engine treats a metric whose
 * counted instances are silent as invalid, as the HPA does); the app value
 * derived from them only feeds trends and activation.
 *
 * The window is a LATERAL aggregate per app, which the planner cannot
 * flatten, so it is a range scan of idx_metrics_app_type_time per app:
 * flattened into a join it was hashed over the whole metrics table (0.9 s for
 * 1,000 apps, growing with the table). Run it with jit off (see
 * evaluateApps): 1,000 cheap probes add up to a plan cost that triggers JIT
 * compilation, which took longer than the query.
 */
export async function listEngineMetricsOfApps(
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
                  FILTER (WHERE m.aggregation_level <> 'instance')::float8 AS slope,
                floor(extract(epoch FROM max(m.timestamp) FILTER (WHERE m.value > 0)) * 1000)::float8
                  AS newest_positive
           FROM metrics m
          WHERE m.app_name = w.app AND m.metric_type = ANY ($3)
            AND m.timestamp > now() - make_interval(secs => w.secs)
          GROUP BY 1, 2) a`,
    [names, reqs.map((r) => r.windowSeconds), types],
  );
  const rowsByApp = new Map<string, Row[]>();
  for (const r of res.rows) {
    const list = rowsByApp.get(r.app) ?? [];
    list.push(r);
    rowsByApp.set(r.app, list);
  }
  const meta = await lookbackFacts(db, reqs, rowsByApp);
  const base = baselines ?? (await listLatencyBaselinesOfApps(db, names));
  for (const req of reqs) {
    const withBase = { ...meta.get(req.appName)!, baseline: base.get(req.appName) ?? null };
    out.set(req.appName, assemble(rowsByApp.get(req.appName) ?? [], withBase, req.activation));
  }
  return out;
}

interface LookbackFacts {
  reported: string[];
  lastActiveMs: number | null;
}

/**
 * Which scaling metrics each app reported in its lookback, and its newest
 * traffic sample above zero there. What the window already shows is taken
 * from it (a window no longer than the lookback lies inside it: a type seen
 * there was reported, and the newest positive traffic sample in the window
 * is the newest of the lookback); only the rest is probed, one LIMIT 1 index
 * probe per (app, type) in one statement, none when nothing is left (the
 * usual pass: an app with traffic in its window needs only probes for the
 * types it does not send).
 */
async function lookbackFacts(
  db: Db,
  reqs: readonly MetricsRequest[],
  rowsByApp: ReadonlyMap<string, readonly Row[]>,
): Promise<Map<string, LookbackFacts>> {
  const out = new Map<string, LookbackFacts>();
  const probe = {
    app: [] as string[],
    type: [] as string[],
    secs: [] as number[],
    positive: [] as boolean[],
  };
  const ask = (r: MetricsRequest, type: string, positive: boolean) => {
    probe.app.push(r.appName);
    probe.type.push(type);
    probe.secs.push(r.lookbackSeconds);
    probe.positive.push(positive);
  };
  for (const r of reqs) {
    const inside = r.windowSeconds <= r.lookbackSeconds;
    const rows = inside ? (rowsByApp.get(r.appName) ?? []) : [];
    const traffic = new Set([...TRAFFIC, r.activation]);
    const seen = new Set(rows.map((x) => x.metric_type));
    let active: number | null = null;
    for (const x of rows) {
      const t = x.newest_positive;
      if (t !== null && traffic.has(x.metric_type) && (active === null || t > active)) active = t;
    }
    out.set(r.appName, { reported: SCALING.filter((t) => seen.has(t)), lastActiveMs: active });
    for (const t of SCALING) if (!seen.has(t)) ask(r, t, false);
    if (!active) for (const t of traffic) ask(r, t, true);
  }
  if (probe.app.length === 0) return out;
  const res = await db.query<{ app: string; type: string; positive: boolean; ms: number }>(
    `SELECT p.app, p.type, p.positive, floor(extract(epoch FROM l.ts) * 1000)::float8 AS ms
       FROM unnest($1::text[], $2::text[], $3::int[], $4::bool[]) p(app, type, secs, positive)
      CROSS JOIN LATERAL (
         SELECT timestamp AS ts FROM metrics
          WHERE app_name = p.app AND metric_type = p.type
            AND timestamp > now() - make_interval(secs => p.secs)
            AND (NOT p.positive OR value > 0)
          ORDER BY timestamp DESC LIMIT 1) l`,
    [probe.app, probe.type, probe.secs, probe.positive],
  );
  for (const r of res.rows) {
    const f = out.get(r.app)!;
    if (!r.positive) f.reported.push(r.type);
    else if (f.lastActiveMs === null || r.ms > f.lastActiveMs) f.lastActiveMs = r.ms;
  }
  return out;
}

function assemble(
  rows: readonly Row[],
  meta: LookbackFacts & { baseline: number | null },
  activation: string,
): EngineMetrics {
  const out: EngineMetrics = {
    metrics: {},
    reported: new Set(meta.reported as ScalingMetric[]),
    activationValue: undefined,
    lastActiveAt: meta.lastActiveMs ?? undefined,
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
    if (type === 'latency_p95' && meta.baseline != null) input.baseline = meta.baseline;
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
export async function listLatencyBaselinesOfApps(
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
