/** Prints the Context service's answers and the Scaler's decisions as tables. */
import { common, context, type ServiceClient, scaler } from '@autoserve/proto';
import { type Timestamp, timestampDate } from '@bufbuild/protobuf/wkt';
import { clip, table } from '../lib/table.js';

type Context = ServiceClient<typeof context.ContextService>;
type Scaler = ServiceClient<typeof scaler.ScalerService>;

const time = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString().slice(11, 19) : '');
const day = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString().slice(0, 10) : '');
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const enumName = (e: Record<number, string>, v: number) => e[v] ?? String(v);

/** Scaling decisions that acted, newest first; 0 when none (or the RPC is not there). */
export async function showDecisions(client: Scaler, app: string): Promise<number> {
  const res = await client
    .listScalingDecisions({ appName: app, pageSize: 10 })
    .catch(() => undefined);
  if (!res || res.decisions.length === 0) return 0;
  const { decisions } = res;
  console.log(
    table(
      ['time', 'replicas', 'action', 'metric', 'limited by', 'reasons'],
      decisions.map((d) => [
        time(d.evaluatedAt),
        `${d.currentReplicas} -> ${d.desiredReplicas}`,
        enumName(scaler.ScalingAction, d.action).toLowerCase(),
        enumName(common.MetricType, d.winningMetric),
        d.limitedBy,
        clip(d.reasons.join('; '), 70),
      ]),
    ),
  );
  return decisions.length;
}

/** The scaling events the watch collected, as a table (when decisions cannot be listed). */
export function showScalingEvents(events: common.Event[]): void {
  console.log(
    table(
      ['time', 'decision', 'reasons'],
      events.map((e) => {
        const reasons = e.details?.reasons;
        return [
          time(e.time),
          clip(e.message, 50),
          clip(Array.isArray(reasons) ? reasons.join('; ') : '', 80),
        ];
      }),
    ),
  );
}

export async function showSimilar(client: Context, namespace: string, text: string) {
  const res = await client.searchSimilarIncidents({
    query: { case: 'text', value: text },
    filter: { namespace },
    limit: 5,
  });
  console.log(
    `  query: "${text}"  (plan: ${res.plan?.method ?? '?'}, from ${enumName(common.DataSource, res.readInfo?.source ?? 0)})`,
  );
  console.log(
    table(
      ['similarity', 'day', 'signal', 'root cause', 'remediation', 'outcome'],
      res.results.map((r) => [
        r.similarity.toFixed(3),
        day(r.incident?.createdAt),
        r.incident?.signalName ?? '',
        clip(r.incident?.rootCause ?? '', 44),
        clip(r.incident?.remediationAction ?? '', 36),
        enumName(context.Outcome, r.outcome).toLowerCase(),
      ]),
    ),
  );
}

export async function showSuccessRates(client: Context, namespace: string) {
  const res = await client.getWorkflowSuccessRates({
    namespace,
    window: context.Window.WINDOW_30_DAYS,
  });
  console.log(
    table(
      ['workflow', 'runs', 'ok', 'failed', 'success', 'p50 s', 'p95 s', 'trend'],
      res.rates.map((r) => [
        r.key,
        Number(r.total),
        Number(r.successful),
        Number(r.failed),
        pct(r.successRate),
        r.p50DurationSeconds.toFixed(0),
        r.p95DurationSeconds.toFixed(0),
        enumName(context.TrendDirection, r.trend?.direction ?? 0).toLowerCase(),
      ]),
    ),
  );
}

export async function showHistory(client: Context, app: string) {
  const events = await client.listAppEvents({ appName: app, pageSize: 12 });
  console.log(
    table(
      ['time', 'type', 'severity', 'source', 'message'],
      events.events.map((e) => [
        time(e.time),
        enumName(common.EventType, e.type).toLowerCase(),
        enumName(common.Severity, e.severity).toLowerCase(),
        e.source,
        clip(e.message, 70),
      ]),
    ),
  );
  const metrics = await client.getAppMetrics({ appName: app, window: { seconds: 600n } });
  console.log('');
  console.log(
    table(
      ['metric', 'avg', 'p95', 'max', 'samples'],
      metrics.windows.map((w) => [
        enumName(common.MetricType, w.metricType).toLowerCase(),
        w.avg.toFixed(1),
        w.p95.toFixed(1),
        w.max.toFixed(1),
        Number(w.dataPoints),
      ]),
    ),
  );
}
