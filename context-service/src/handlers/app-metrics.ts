import { MetricType } from '@autoserve/proto/common/v1';
import type {
  GetAppMetricsRequest,
  GetAppMetricsResponseSchema,
} from '@autoserve/proto/context/v1';
import {
  durationMs,
  invalidArgument,
  knownEnums,
  notFound,
  requiredText,
  timeRange,
} from '@autoserve/runtime';
import { listMetricWindows, tsOf } from '@autoserve/runtime/model';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { metricType } from '../mapping/enums.js';
import { appExists, listMetricBuckets, type MetricsRange } from '../queries/app-history.js';
import { type HandlerDeps, readInfoOf } from './deps.js';

type Response = MessageInitShape<typeof GetAppMetricsResponseSchema>;

const DAY_MS = 86_400_000;
const MAX_BUCKETS = 2000;

/** GetAppMetrics: per-type aggregates over a window, optionally bucketed for charts. */
export function createAppMetricsHandler(deps: HandlerDeps, now: () => number = Date.now) {
  return async function getAppMetrics(
    req: GetAppMetricsRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const appName = requiredText('app_name', req.appName, 63);
    const types = metricType.toDbAll(knownEnums('metric_types', req.metricTypes, MetricType));
    const range = timeRange('since', req.since, 'until', req.until);
    const untilMs = range.before ? Date.parse(range.before) : now();
    let since = range.after;
    if (!since) {
      const windowMs = req.window ? durationMs('window', req.window, 1000, 90 * DAY_MS) : 300_000;
      since = new Date(untilMs - windowMs).toISOString();
    } else if (req.window) {
      durationMs('window', req.window, 1000, 90 * DAY_MS);
    }
    const m: MetricsRange = {
      appName,
      types: types.length ? types : undefined,
      since,
      until: range.before ?? new Date(untilMs).toISOString(),
    };
    let bucketSeconds: number | undefined;
    if (req.bucket) {
      const bucketMs = durationMs('bucket', req.bucket, 1000, DAY_MS);
      const spanMs = untilMs - Date.parse(since);
      if (Math.ceil(spanMs / bucketMs) > MAX_BUCKETS) {
        throw invalidArgument('bucket', `gives more than ${MAX_BUCKETS} buckets over the range`);
      }
      bucketSeconds = bucketMs / 1000;
    }
    const routed = await deps.router.read({ deadline: ctx }, async (client) => {
      const windows = await listMetricWindows(client, {
        appName,
        types: m.types ?? metricType.values,
        start: m.since,
        end: m.until,
        instanceId: null,
      });
      if (windows.length === 0 && !(await appExists(client, appName))) {
        throw notFound(`app ${appName}`);
      }
      const buckets =
        bucketSeconds === undefined || windows.length === 0
          ? []
          : await listMetricBuckets(client, m, bucketSeconds);
      return { windows, buckets };
    });
    const start = tsOf(m.since);
    const end = tsOf(m.until);
    return {
      windows: routed.value.windows.map((w) => ({
        metricType: metricType.fromDb(w.metric_type),
        avg: w.avg,
        min: w.min,
        max: w.max,
        p50: w.p50,
        p95: w.p95,
        p99: w.p99,
        dataPoints: BigInt(w.data_points),
        windowStart: start,
        windowEnd: end,
      })),
      series: [...groupBuckets(routed.value.buckets)].map(([type, buckets]) => ({
        metricType: metricType.fromDb(type),
        buckets,
      })),
      readInfo: readInfoOf(ctx, routed),
    };
  };
}

function groupBuckets(rows: Awaited<ReturnType<typeof listMetricBuckets>>) {
  const out = new Map<
    string,
    {
      bucketStart: ReturnType<typeof tsOf>;
      avg: number;
      min: number;
      max: number;
      p95: number;
      dataPoints: bigint;
    }[]
  >();
  for (const b of rows) {
    const list = out.get(b.metric_type) ?? [];
    list.push({
      bucketStart: tsOf(b.bucket_start),
      avg: b.avg,
      min: b.min,
      max: b.max,
      p95: b.p95,
      dataPoints: BigInt(b.n),
    });
    out.set(b.metric_type, list);
  }
  return out;
}
