/**
 * The mixed load: metrics ingest streams into the Scaler, similarity
 * searches and history reads from Context, all at once. Seeds what the reads
 * need through the services themselves (apps, remediation requests with
 * embeddings), so it runs against any stack it can reach.
 */
import { ContextService, common, ScalerService } from '@autoserve/proto';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { ClusteredVectors } from '../../test/kit/clustered.js';
import type { LoadTarget } from './load-target.js';
import type { RpcStats } from './rpc-stats.js';

export const DIMS = 1536;
export const EMBEDDER = 'load-clustered-v1';
const APPS = Array.from({ length: 4 }, (_, i) => `load-app-${i}`);
const NAMESPACE = 'load';

export interface Clients {
  context: Client<typeof ContextService>;
  scaler: Client<typeof ScalerService>;
}

/** Typed clients with the target's bearer tokens (one HTTP/2 connection each). */
export function clients(target: LoadTarget): Clients {
  const transport = (url: string, token: string) =>
    createGrpcTransport({
      baseUrl: url,
      interceptors: [
        (next) => async (req) => {
          if (token) req.header.set('authorization', `Bearer ${token}`);
          return next(req);
        },
      ],
    });
  return {
    context: createClient(ContextService, transport(target.context.url, target.context.token)),
    scaler: createClient(ScalerService, transport(target.scaler.url, target.scaler.token)),
  };
}

function record(name: string, namespace: string, signalName: string, i: number) {
  return {
    name,
    namespace,
    signalType: 'prometheus',
    signalName,
    signalNamespace: 'monitoring',
    targetType: 'deployment',
    targetName: APPS[i % APPS.length]!,
    targetNamespace: namespace,
    environment: i % 2 ? 'production' : 'staging',
    priority: common.Priority.P2,
  };
}

const ignoreExists = (err: unknown) => {
  if (ConnectError.from(err).code !== Code.AlreadyExists) throw err;
};

/**
 * Apps and `incidents` remediation requests with embeddings (idempotent:
 * request ids and content repeat across runs), then waits until Context —
 * reading the replica — sees the newest one: the write → replica round trip,
 * in ms.
 */
export async function seed(c: Clients, incidents: number, vectors: ClusteredVectors) {
  for (const name of APPS)
    await c.scaler.registerApp({ name, spec: { image: 'autoserve/load' } }).catch(ignoreExists);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = next++; i < incidents; i = next++) {
        const rr = await c.scaler.recordRemediationRequest({
          requestId: `load-rr-${i}`,
          record: record(`load-${i}`, NAMESPACE, ['HighCPU', 'OOMKilled', 'Latency'][i % 3]!, i),
        });
        await c.scaler.storeIncidentEmbedding({
          remediationRequestId: rr.record!.id,
          content: {
            case: 'vector',
            value: { values: [...vectors.vector(i)], embedder: EMBEDDER },
          },
          rootCause: `cause ${i % 7}`,
        });
      }
    }),
  );
  const marker = await c.scaler.recordRemediationRequest({
    record: record(`load-marker-${Date.now()}`, `${NAMESPACE}-marker`, 'Marker', 0),
  });
  const t0 = performance.now();
  for (;;) {
    const page = await c.context.listRemediationHistory({
      namespace: `${NAMESPACE}-marker`,
      pageSize: 1,
    });
    if (page.requests[0]?.id === marker.record!.id) return performance.now() - t0;
    if (performance.now() - t0 > 30_000) throw new Error('write not visible on Context in 30 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Mix {
  ingestStreams: number;
  searchers: number;
  historyReaders: number;
  /** Samples per StreamMetrics message, and messages per stream call. */
  batch: number;
  batchesPerCall: number;
  /** Deadline of every call. */
  deadlineMs: number;
}

const TYPES = [
  common.MetricType.CPU_PERCENT,
  common.MetricType.MEMORY_PERCENT,
  common.MetricType.RPS,
  common.MetricType.LATENCY_P95,
];

function samples(batch: number, offset: number) {
  const now = Date.now();
  return Array.from({ length: batch }, (_, i) => ({
    appName: APPS[(offset + i) % APPS.length]!,
    instanceId: BigInt(1 + (i % 5)),
    metricType: TYPES[i % TYPES.length]!,
    time: { seconds: BigInt(Math.floor((now - (i % 30_000)) / 1000)), nanos: 0 },
    value: (i * 7919) % 100,
    unit: '%',
  }));
}

/**
 * Runs every loop of the mix until `untilMs` (performance.now() time); each
 * call has a deadline so a dead connection costs one counted failure, not
 * the rest of the run.
 */
export async function runMix(
  c: Clients,
  mix: Mix,
  stats: RpcStats,
  untilMs: number,
  vectors: ClusteredVectors,
  incidents: number,
): Promise<{ samplesCommitted: number }> {
  const opts = { timeoutMs: mix.deadlineMs };
  let committed = 0;
  const loop = (body: (n: number) => Promise<unknown>) => async () => {
    for (let n = 0; performance.now() < untilMs; n++) {
      const ok = await body(n);
      // A failing endpoint is retried after a pause, as a client with backoff would.
      if (ok === false) await new Promise((r) => setTimeout(r, 100));
    }
  };
  const ingest = loop((n) =>
    stats.time('StreamMetrics', async () => {
      const batches = Array.from({ length: mix.batchesPerCall }, (_, b) => ({
        samples: samples(mix.batch, n + b),
      }));
      const res = await c.scaler.streamMetrics(
        (async function* () {
          yield* batches;
        })(),
        opts,
      );
      committed += Number(res.samplesCommitted);
    }),
  );
  const search = loop((n) =>
    stats.time('SearchSimilarIncidents', () =>
      c.context.searchSimilarIncidents(
        {
          query: {
            case: 'vector',
            value: { values: [...vectors.vector(n % incidents, 1)], embedder: EMBEDDER },
          },
          limit: 10,
        },
        opts,
      ),
    ),
  );
  const history = loop((n) =>
    n % 2
      ? stats.time('ListRemediationHistory', () =>
          c.context.listRemediationHistory({ namespace: NAMESPACE, pageSize: 20 }, opts),
        )
      : stats.time('GetAppMetrics', () =>
          c.context.getAppMetrics(
            { appName: APPS[n % APPS.length]!, window: { seconds: 60n } },
            opts,
          ),
        ),
  );
  await Promise.all([
    ...Array.from({ length: mix.ingestStreams }, ingest),
    ...Array.from({ length: mix.searchers }, search),
    ...Array.from({ length: mix.historyReaders }, history),
  ]);
  return { samplesCommitted: committed };
}

export { APPS, NAMESPACE };
