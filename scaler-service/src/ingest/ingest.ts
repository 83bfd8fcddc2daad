import type { scaler } from '@autoserve/proto';
import {
  type Deadline,
  type Pool,
  type PoolClient,
  recordIngest,
  statementTimeoutMs,
} from '@autoserve/runtime';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from 'pino';
import { listAppNames } from '../queries/apps.js';
import { AppNameCache } from './app-cache.js';
import { type EncodedBatch, Interner, unknownApp } from './batch-encoder.js';
import { METRICS_COPY_SQL } from './copy-encoder.js';
import { endCopy } from './copy-stream.js';
import { encodeMessages } from './encode-batch.js';
import { Semaphore } from './semaphore.js';
import { encodeWire } from './wire.js';

/** Stores validated sample batches; each call returns after its batch committed. */
export interface MetricsIngest {
  /** Validates, then COPYs and commits one batch of decoded samples; returns the count. */
  ingest(
    samples: readonly scaler.MetricSample[],
    deadline: Deadline,
    signal?: AbortSignal,
  ): Promise<number>;
  /**
   * The same for a raw request body (samples in field `samplesField`; field 1
   * is the sequence when that is 2). Returns the count and the sequence.
   */
  ingestWire(
    body: Buffer,
    samplesField: 1 | 2,
    deadline: Deadline,
    signal?: AbortSignal,
  ): Promise<{ count: number; sequence: bigint }>;
  readonly apps: AppNameCache;
  readonly copySlots: Semaphore;
}

export interface IngestOptions {
  db: Pool;
  /** Connections used only for COPY (sized maxConcurrentCopies); session settings stay here. */
  copyDb: Pool;
  log: Logger;
  /** Concurrent COPYs (a share of the pool, so other RPCs keep connections). */
  maxConcurrentCopies: number;
  /** Oldest accepted sample age (metrics retention). */
  maxAgeMs: number;
  /** Lifetime of the app-name cache. */
  appCacheTtlMs: number;
  now?: () => number;
}

export function createMetricsIngest(options: IngestOptions): MetricsIngest {
  const { db, copyDb } = options;
  const now = options.now ?? Date.now;
  const apps = new AppNameCache(() => listAppNames(db), options.appCacheTtlMs, now);
  const interner = new Interner();
  const copySlots = new Semaphore(options.maxConcurrentCopies);

  /** statement_timeout last set on each COPY connection (session level, see below). */
  const timeoutOf = new WeakMap<PoolClient, number>();

  /**
   * One COPY per batch, in its own implicit transaction: Postgres commits it
   * before it answers CommandComplete, so the batch is durable
   * (synchronous_commit) when this resolves, and nothing of it is stored when
   * it fails. The COPY connections are a dedicated pool, so the statement
   * timeout (from the call's deadline) can be a session setting, sent only
   * when it changes: one round trip per batch instead of BEGIN / SET / COPY /
   * COMMIT. The client gets its own error listener while checked out: a
   * connection lost mid-COPY (server crash) must fail this batch, not crash
   * the process.
   */
  const copy = async (payload: Buffer, deadline: Deadline) => {
    const client = await copyDb.connect();
    const onError = (err: unknown) => options.log.warn({ err }, 'ingest connection error');
    client.on('error', onError);
    let broken = false;
    try {
      // Rounded up to 100 ms so a steady stream does not re-send it every batch.
      const timeout = Math.ceil(statementTimeoutMs(deadline) / 100) * 100;
      if (timeoutOf.get(client) !== timeout) {
        await client.query("SELECT set_config('statement_timeout', $1, false)", [String(timeout)]);
        timeoutOf.set(client, timeout);
      }
      await endCopy(client.query(copyFrom(METRICS_COPY_SQL)), payload);
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  };

  /**
   * Settles a batch after its encoding pass: apps not in the cache are
   * confirmed with one reload, and the error reported is the lowest-index
   * one (an unknown app or an invalid field), as if checked in order.
   */
  const settle = async (r: EncodedBatch): Promise<Buffer> => {
    let unknown: { index: number; app: string } | undefined;
    for (const [app, index] of [...r.suspects].sort((a, b) => a[1] - b[1])) {
      if (r.error && index > r.error.index) break;
      if (!(await apps.has(app))) {
        unknown = { index, app };
        break;
      }
    }
    if (unknown && (!r.error || unknown.index < r.error.index))
      throw unknownApp(unknown.index, unknown.app);
    if (r.error) throw r.error.err;
    return r.payload!;
  };

  const commit = async (
    payload: Buffer,
    count: number,
    deadline: Deadline,
    signal?: AbortSignal,
  ) => {
    const release = await copySlots.acquire(signal);
    try {
      await copy(payload, deadline);
    } finally {
      release();
    }
    recordIngest(count, 'copy');
  };

  const rules = () => ({
    nowMs: now(),
    maxAgeMs: options.maxAgeMs,
    isKnownApp: (n: string) => apps.hasCached(n),
  });

  return {
    apps,
    copySlots,
    async ingest(samples, deadline, signal) {
      const payload = await settle(encodeMessages(samples, rules(), interner));
      await commit(payload, samples.length, deadline, signal);
      return samples.length;
    },
    async ingestWire(body, samplesField, deadline, signal) {
      const r = encodeWire(body, rules(), interner, samplesField);
      const payload = await settle(r);
      await commit(payload, r.count, deadline, signal);
      return { count: r.count, sequence: r.sequence };
    },
  };
}
