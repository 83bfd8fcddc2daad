import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '@autoserve/runtime';
import type { Logger } from 'pino';
import type { RetentionConfig } from '../config.js';
import { deleteIdempotencyKeysBefore } from '../queries/idempotency.js';
import {
  deleteOldRowsBatch,
  dropPartitionsBefore,
  listPartitionsBefore,
  RETAINED,
  type RetainedTable,
  releaseRetentionLock,
  tryRetentionLock,
} from '../queries/retention.js';

/** What one pass removed; `skipped` when another Scaler held the lock. */
export interface RetentionResult {
  skipped: boolean;
  droppedPartitions: Record<RetainedTable, number>;
  deletedRows: Record<RetainedTable, number>;
  deletedIdempotencyKeys: number;
}

/**
 * One retention pass: whole expired partitions are dropped (instant, no
 * bloat), and rows past the age in the partition straddling the cutoff (and
 * in DEFAULT) go in small DELETE batches with pauses between them, each its
 * own short transaction, so ingest is never blocked for long. Partition
 * drops take ACCESS EXCLUSIVE on the parent; lock_timeout bounds how long
 * they may queue (and hold up COPYs queued behind them), and a drop that
 * times out is retried next pass. Only one Scaler runs a pass at a time
 * (session advisory lock).
 */
export async function runRetentionPass(
  db: Pool,
  config: RetentionConfig,
  log: Logger,
  now: () => number = Date.now,
  signal?: AbortSignal,
): Promise<RetentionResult> {
  const result: RetentionResult = {
    skipped: false,
    droppedPartitions: { metrics: 0, events: 0 },
    deletedRows: { metrics: 0, events: 0 },
    deletedIdempotencyKeys: 0,
  };
  const session = await db.connect();
  const onError = (err: unknown) => log.warn({ err }, 'retention connection error');
  session.on('error', onError);
  let broken = false;
  try {
    if (!(await tryRetentionLock(session))) {
      result.skipped = true;
      return result;
    }
    try {
      const ages: Record<RetainedTable, number> = {
        metrics: config.metricsMaxAgeMs,
        events: config.eventsMaxAgeMs,
      };
      for (const table of Object.keys(RETAINED) as RetainedTable[]) {
        const cutoff = new Date(now() - ages[table]);
        try {
          await session.query('BEGIN');
          await session.query("SELECT set_config('lock_timeout', '1000', true)");
          result.droppedPartitions[table] = await dropPartitionsBefore(session, table, cutoff);
          await session.query('COMMIT');
        } catch (err) {
          await session.query('ROLLBACK').catch(() => {});
          log.warn({ err, table }, 'dropping expired partitions failed; retrying next pass');
        }
        for (const part of await listPartitionsBefore(session, table, cutoff)) {
          for (;;) {
            if (signal?.aborted) return result;
            const n = await deleteOldRowsBatch(
              session,
              part,
              RETAINED[table],
              cutoff,
              config.batchRows,
            );
            result.deletedRows[table] += n;
            if (n < config.batchRows) break;
            await sleep(config.batchPauseMs);
          }
        }
      }
      const keyCutoff = new Date(now() - config.idempotencyKeyTtlMs);
      for (;;) {
        const n = await deleteIdempotencyKeysBefore(session, keyCutoff, config.batchRows);
        result.deletedIdempotencyKeys += n;
        if (n < config.batchRows || signal?.aborted) break;
        await sleep(config.batchPauseMs);
      }
    } finally {
      await releaseRetentionLock(session).catch(() => {
        broken = true;
      });
    }
    return result;
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    session.removeListener('error', onError);
    session.release(broken);
  }
}

/** Runs a pass every `intervalMs` (first one shortly after start); returns a stop function. */
export function scheduleRetention(db: Pool, config: RetentionConfig, log: Logger): () => void {
  if (config.intervalMs === 0) return () => {};
  const stop = new AbortController();
  let timer: NodeJS.Timeout;
  const run = async () => {
    try {
      const r = await runRetentionPass(db, config, log, Date.now, stop.signal);
      if (!r.skipped) log.info(r, 'retention pass done');
    } catch (err) {
      log.warn({ err }, 'retention pass failed; will retry');
    }
    if (!stop.signal.aborted) {
      timer = setTimeout(() => void run(), config.intervalMs);
      timer.unref();
    }
  };
  timer = setTimeout(() => void run(), Math.min(10_000, config.intervalMs));
  timer.unref();
  return () => {
    stop.abort();
    clearTimeout(timer);
  };
}
