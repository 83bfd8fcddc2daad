/**
 * The mixed load of the chaos bench: acked ingest streams (each batch
 * labelled with its stream and sequence, so stored rows can be matched to
 * acks), similarity searches and history reads. Every answer is recorded
 * with its time, RPC, code and whether the Context flagged it degraded.
 */
import { ContextService, common, GuardedSessionManager, ScalerService } from '@autoserve/proto';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';

export interface Answer {
  at: number;
  rpc: string;
  code: string;
  degraded?: boolean;
}

const withToken = (baseUrl: string, token: string) =>
  createGrpcTransport({
    baseUrl,
    // Servers restart and send GOAWAY in every phase (connect-es #1768).
    sessionManager: new GuardedSessionManager(baseUrl),
    interceptors: [
      (next) => (req) => {
        req.header.set('authorization', `Bearer ${token}`);
        return next(req);
      },
    ],
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (err: unknown) => Code[ConnectError.from(err).code] ?? 'Unknown';

export interface LoadOptions {
  scalerUrls: string[];
  contextUrl: string;
  token: string;
  app: string;
  streams: number;
  batch: number;
}

export function startLoad(o: LoadOptions) {
  const answers: Answer[] = [];
  /** Batch ids ("stream-seq") acknowledged as committed. */
  const acked = new Set<string>();
  let running = true;
  const record = (rpc: string, code: string, degraded?: boolean) =>
    answers.push({ at: Date.now(), rpc, code, ...(degraded === undefined ? {} : { degraded }) });

  const scalers: Client<typeof ScalerService>[] = o.scalerUrls.map((u) =>
    createClient(ScalerService, withToken(u, o.token)),
  );
  const context = createClient(ContextService, withToken(o.contextUrl, o.token));

  async function ingestStream(id: number) {
    let seq = 0n;
    let target = id % scalers.length;
    while (running) {
      try {
        const pending = new Map<bigint, string>();
        async function* batches() {
          while (running) {
            const s = seq++;
            const b = `${id}-${s}`;
            pending.set(s, b);
            yield {
              sequence: s,
              samples: Array.from({ length: o.batch }, (_, i) => ({
                appName: o.app,
                metricType: common.MetricType.RPS,
                value: i,
                labels: { b },
              })),
            };
            await sleep(50);
          }
        }
        for await (const ack of scalers[target]!.streamMetricsAcked(batches())) {
          const b = pending.get(ack.sequence);
          if (b) acked.add(b);
          pending.delete(ack.sequence);
          record('StreamMetricsAcked', 'OK');
        }
      } catch (err) {
        record('StreamMetricsAcked', codeOf(err));
        // The other Scaler may be the one still up.
        target = (target + 1) % scalers.length;
        await sleep(200);
      }
    }
  }

  async function loop(rpc: string, call: () => Promise<{ readInfo?: { degraded: boolean } }>) {
    while (running) {
      try {
        const res = await call();
        record(rpc, 'OK', res.readInfo?.degraded);
      } catch (err) {
        record(rpc, codeOf(err));
        await sleep(100);
      }
      await sleep(50);
    }
  }

  const tasks = [
    ...Array.from({ length: o.streams }, (_, i) => ingestStream(i)),
    loop('SearchSimilarIncidents', () =>
      context.searchSimilarIncidents(
        { query: { case: 'text', value: `latency on app ${o.app}` }, limit: 5 },
        { timeoutMs: 3000 },
      ),
    ),
    loop('ListAppEvents', () =>
      context.listAppEvents({ appName: o.app, pageSize: 20 }, { timeoutMs: 3000 }),
    ),
  ];
  return {
    answers,
    acked,
    async stop() {
      running = false;
      await Promise.allSettled(tasks);
    },
  };
}

/** Per RPC within [from, to): failures by code, longest gap without a success, degraded answers. */
export function summarize(answers: readonly Answer[], from: number, to: number) {
  const out: Record<
    string,
    { ok: number; failed: Record<string, number>; longest_gap_ms: number; degraded: number }
  > = {};
  const lastOk = new Map<string, number>();
  for (const a of answers) {
    if (a.at < from || a.at >= to) continue;
    const s = out[a.rpc] ?? { ok: 0, failed: {}, longest_gap_ms: 0, degraded: 0 };
    out[a.rpc] = s;
    if (a.code === 'OK') {
      s.ok++;
      if (a.degraded) s.degraded++;
      s.longest_gap_ms = Math.max(s.longest_gap_ms, a.at - (lastOk.get(a.rpc) ?? from));
      lastOk.set(a.rpc, a.at);
    } else s.failed[a.code] = (s.failed[a.code] ?? 0) + 1;
  }
  for (const [rpc, s] of Object.entries(out)) {
    s.longest_gap_ms = Math.max(s.longest_gap_ms, to - (lastOk.get(rpc) ?? from));
  }
  return out;
}
