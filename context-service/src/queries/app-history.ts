import type { PoolClient } from '@autoserve/runtime';
import type { Row } from '@autoserve/runtime/model';
import { Params } from './params.js';

export interface EventsFilter {
  appName: string;
  types?: string[] | undefined;
  /** Minimum events.severity_rank. */
  minRank?: number | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/**
 * One page of an app's events, newest first by (timestamp, id), keyset
 * paginated like the remediation history. Served by
 * idx_events_app_name_timestamp; partitions prune on the time range.
 */
export async function listAppEvents(
  client: PoolClient,
  f: EventsFilter,
  cursor: { timeUs: string; id: string } | undefined,
  limit: number,
): Promise<Row[]> {
  const q = new Params();
  const w = [`app_name = ${q.p(f.appName)}`];
  if (f.types?.length) w.push(`event_type = ANY(${q.p(f.types)}::text[])`);
  if (f.minRank !== undefined) w.push(`severity_rank >= ${q.p(f.minRank)}`);
  if (f.since !== undefined) w.push(`timestamp >= ${q.p(f.since)}::timestamptz`);
  if (f.until !== undefined) w.push(`timestamp < ${q.p(f.until)}::timestamptz`);
  if (cursor) {
    w.push(
      `(timestamp, id) < (timestamptz 'epoch' + ${q.p(cursor.timeUs)}::bigint * interval '1 microsecond', ${q.p(cursor.id)}::bigint)`,
    );
  }
  const r = await client.query<Row>(
    `SELECT id, event_type, event_category, app_name, container_id, message, details, severity,
            timestamp, source, node_id,
            (extract(epoch FROM timestamp) * 1000000)::bigint::text AS pos_us
     FROM events WHERE ${w.join(' AND ')}
     ORDER BY timestamp DESC, id DESC
     LIMIT ${q.p(limit)}`,
    q.values,
  );
  return r.rows;
}

/** Whether an app is registered (to tell "no events" from "no such app"). */
export async function appExists(client: PoolClient, appName: string): Promise<boolean> {
  const r = await client.query<{ found: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM applications WHERE name = $1) AS found',
    [appName],
  );
  return r.rows[0]!.found;
}

export interface MetricsRange {
  appName: string;
  types?: string[] | undefined;
  since: string;
  until: string;
}

function metricsWhere(m: MetricsRange, q: Params): string {
  const w = [
    `app_name = ${q.p(m.appName)}`,
    `timestamp >= ${q.p(m.since)}::timestamptz`,
    `timestamp < ${q.p(m.until)}::timestamptz`,
  ];
  if (m.types?.length) w.push(`metric_type = ANY(${q.p(m.types)}::text[])`);
  return w.join(' AND ');
}

export interface MetricBucketRow {
  metric_type: string;
  bucket_start: Date;
  avg: number;
  min: number;
  max: number;
  p95: number;
  n: string;
}

/** Buckets of `bucketSeconds` aligned to the Unix epoch (date_bin), empty ones omitted. */
export async function listMetricBuckets(
  client: PoolClient,
  m: MetricsRange,
  bucketSeconds: number,
): Promise<MetricBucketRow[]> {
  const q = new Params();
  const where = metricsWhere(m, q);
  const width = q.p(bucketSeconds);
  const r = await client.query<MetricBucketRow>(
    `SELECT metric_type,
            date_bin(make_interval(secs => ${width}), timestamp, timestamptz 'epoch') AS bucket_start,
            avg(value) AS avg, min(value) AS min, max(value) AS max,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95,
            count(*)::text AS n
     FROM metrics WHERE ${where}
     GROUP BY 1, 2 ORDER BY 1, 2`,
    q.values,
  );
  return r.rows;
}
