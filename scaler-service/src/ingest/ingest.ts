import { once } from 'node:events';
import type { scaler } from '@autoserve/proto';
import { type Deadline, type Pool, recordIngest, statementTimeoutMs } from '@autoserve/runtime';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from 'pino';
import { listAppNames } from '../queries/apps.js';
import { AppNameCache } from './app-cache.js';
import { type EncodedBatch, Interner, unknownApp } from './batch-encoder.js';
import { METRICS_COPY_SQL } from './copy-encoder.js';
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
  ): Promise<{ count: number; sequence: number }>;
  readonly apps: AppNameCache;
  readonly copySlots: Semaphore;
}

export interface IngestOptions {
  db: Pool;
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
  const { db } = options;
  const now = options.now ?? Date.now;
  const apps = new AppNameCache(() => listAppNames(db), options.appCacheTtlMs, now);
  const interner = new Interner();
  const copySlots = new Semaphore(options.maxConcurrentCopies);

  /**
   * One transaction per batch: BEGIN, statement timeout from the call's
   * deadline, COPY, COMMIT. Resolves only after COMMIT returned, so an acked
   * batch is durable (synchronous_commit). The client gets its own error
   * listener while checked out: a connection lost mid-COPY (server crash) must
   * fail this batch, not crash the process.
   */
  const copy = async (payload: Buffer, deadline: Deadline) => {
    const client = await db.connect();
    const onError = (err: unknown) => options.log.warn({ err }, 'ingest connection error');
    client.on('error', onError);
    let broken = false;
    try {
      await client.query('BEGIN');
      await client.query("SELECT set_config('statement_timeout', $1, true)", [
        String(statementTimeoutMs(deadline)),
      ]);
      const stream = client.query(copyFrom(METRICS_COPY_SQL));
      const done = once(stream, 'finish');
      stream.end(payload);
      await done;
      await client.query('COMMIT');
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
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
