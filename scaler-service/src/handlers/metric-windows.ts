import type { scaler } from '@autoserve/proto';
import { invalidArgument, timestampOf, withTx } from '@autoserve/runtime';
import { listMetricWindows } from '@autoserve/runtime/model';
import type { HandlerContext } from '@connectrpc/connect';
import { getAppOrThrow } from '../queries/apps.js';
import { metricTypeCodec } from '../validation/enums.js';
import { validateAppName } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';

/** GetMetricWindows: per-type aggregates over the last N seconds (the autoscaler's input). */
export function createMetricWindows(
  { db }: Pick<WriteSideDeps, 'db'>,
  now: () => number = Date.now,
) {
  return {
    async getMetricWindows(req: scaler.GetMetricWindowsRequest, ctx: HandlerContext) {
      const appName = validateAppName(req.appName, 'app_name');
      let windowMs = 60_000;
      if (req.window) {
        windowMs = Number(req.window.seconds) * 1000 + req.window.nanos / 1e6;
        if (!(windowMs >= 1000 && windowMs <= 86_400_000)) {
          throw invalidArgument('window', 'must be 1s..24h');
        }
      }
      const types = req.metricTypes.length
        ? [
            ...new Set(
              req.metricTypes.map((t, i) => {
                const text = metricTypeCodec.toDb(t);
                if (!text)
                  throw invalidArgument(`metric_types[${i}]`, 'must be a known metric type');
                return text;
              }),
            ),
          ]
        : [...metricTypeCodec.values];
      if (req.instanceId < 0n || req.instanceId > 2_147_483_647n) {
        throw invalidArgument('instance_id', 'must be 0..2147483647');
      }
      const end = new Date(now());
      const start = new Date(end.getTime() - windowMs);
      const rows = await withTx(db, { deadline: ctx, readOnly: true }, async (tx) => {
        const found = await listMetricWindows(tx, {
          appName,
          types,
          start,
          end,
          instanceId: req.instanceId === 0n ? null : Number(req.instanceId),
        });
        // An unknown app is NotFound, but only checked when there is no data (the common
        // case pays one query).
        if (found.length === 0) await getAppOrThrow(tx, appName);
        return found;
      });
      return {
        windows: rows.map((r) => ({
          metricType: metricTypeCodec.fromDb(r.metric_type),
          avg: r.avg,
          min: r.min,
          max: r.max,
          p50: r.p50,
          p95: r.p95,
          p99: r.p99,
          dataPoints: BigInt(r.data_points),
          windowStart: timestampOf(start),
          windowEnd: timestampOf(end),
        })),
      };
    },
  };
}
