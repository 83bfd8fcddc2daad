import type pg from 'pg';

/** Aggregates of one metric type over a window. */
export interface MetricWindowRow {
  metric_type: string;
  avg: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
  data_points: number;
}

/**
 * avg/min/max/p50/p95/p99/count per metric type of one app over
 * [start, end): GetMetricWindows on the Scaler, GetAppMetrics on the Context
 * service. One LATERAL probe per type, so each is a range scan of
 * idx_metrics_app_type_time (app_name, metric_type, timestamp DESC) INCLUDE
 * (value) on the partitions the window touches, answered from the index;
 * types without samples are left out.
 */
export async function listMetricWindows(
  db: Pick<pg.ClientBase, 'query'>,
  q: {
    appName: string;
    types: readonly string[];
    /** A Date, or ISO text when microseconds matter. */
    start: Date | string;
    end: Date | string;
    instanceId: number | null;
  },
): Promise<MetricWindowRow[]> {
  const res = await db.query<MetricWindowRow>(
    `SELECT t.metric_type, w.avg, w.min, w.max,
            w.p[1] AS p50, w.p[2] AS p95, w.p[3] AS p99, w.n::int AS data_points
       FROM unnest($2::text[]) AS t (metric_type)
      CROSS JOIN LATERAL (
        SELECT avg(m.value) AS avg, min(m.value) AS min, max(m.value) AS max,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY m.value) AS p,
               count(*) AS n
          FROM metrics m
         WHERE m.app_name = $1 AND m.metric_type = t.metric_type
           AND m.timestamp >= $3::timestamptz AND m.timestamp < $4::timestamptz
           AND ($5::int IS NULL OR m.instance_id = $5)
      ) AS w
      WHERE w.n > 0
      ORDER BY t.metric_type`,
    [q.appName, q.types, q.start, q.end, q.instanceId],
  );
  return res.rows;
}
