import { once } from 'node:events';
import type { scaler } from '@autoserve/proto';
import { type Deadline, type Pool, recordIngest, statementTimeoutMs } from '@autoserve/runtime';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from 'pino';
import { listAppNames } from '../queries/apps.js';
import { AppNameCache } from './app-cache.js';
import { METRICS_COPY_SQL } from './copy-encoder.js';
import { appNamesOf, encodeBatch, Interner } from './encode-batch.js';
import { Semaphore } from './semaphore.js';

/** Stores validated sample batches; each call returns after its batch committed. */
export interface MetricsIngest {
  /** Validates, then COPYs and commits one batch; returns the samples committed. */
  ingest(
    samples: readonly scaler.MetricSample[],
    deadline: Deadline,
    signal?: AbortSignal,
  ): Promise<number>;
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

  return {
    apps,
    copySlots,
    async ingest(samples, deadline, signal) {
      // Decide once per batch which of its apps exist, so the answer cannot change
      // (cache expiry) halfway through encoding it.
      const known = new Set<string>();
      for (const name of appNamesOf(samples)) {
        if (name !== '' && (apps.hasCached(name) || (await apps.has(name)))) known.add(name);
      }
      const payload = encodeBatch(
        samples,
        { nowMs: now(), maxAgeMs: options.maxAgeMs, isKnownApp: (n) => known.has(n) },
        interner,
      );
      const release = await copySlots.acquire(signal);
      try {
        await copy(payload, deadline);
      } finally {
        release();
      }
      recordIngest(samples.length, 'copy');
      return samples.length;
    },
  };
}
