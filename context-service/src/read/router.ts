import { DataSource, type ReadInfoSchema } from '@autoserve/proto/common/v1';
import {
  type Deadline,
  isConnectionError,
  type Pool,
  type PoolClient,
  type QueryResult,
  type Statement,
  withReadSession,
} from '@autoserve/runtime';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Logger } from 'pino';
import { getPrimaryFlushLsn } from '../queries/wal-position.js';
import { PLANNER_DEFAULTS } from '../similarity/plan-settings.js';
import { createLagGauge, type Freshness, LAG_COLUMNS, type ReplaySample, sampleOf } from './lag.js';

export type ReadInfoInit = MessageInitShape<typeof ReadInfoSchema>;

/** A read's answer and where it came from. */
export interface Routed<T> {
  value: T;
  readInfo: ReadInfoInit;
}

export interface ReadOptions {
  /** The call's deadline (statement timeout). */
  deadline?: Deadline;
  /** Transaction-local settings, e.g. hnsw.ef_search. */
  settings?: Record<string, string>;
  /**
   * The read's statement, when it is known before the read starts: sent with the settings and the
   * lag probe in one round trip, and its result handed to the read's function.
   */
  alongside?: Statement;
}

/** A read's work on its connection; `alongside` is the result of ReadOptions.alongside. */
export type ReadFn<T> = (client: PoolClient, alongside: QueryResult | undefined) => Promise<T>;

export interface ReadRouterOptions {
  replica: Pool;
  /** Same read-only role on the primary; undefined = no fallback. */
  primary: Pool | undefined;
  maxReplicaLagMs: number;
  /** After the replica failed, skip it for this long (no connect attempt per call). */
  replicaRetryMs: number;
  log: Logger;
  now?: () => number;
}

/** Routes every read: the replica when it is fresh enough, else the primary, and says which. */
export interface ReadRouter {
  read<T>(options: ReadOptions, fn: ReadFn<T>): Promise<Routed<T>>;
}

// 40001 on a standby is a query cancelled by a recovery conflict: the same read on the
// primary cannot hit it.
const RECOVERY_CONFLICT = '40001';

/** Thrown inside a replica read to abandon it for the primary. */
class TooStale extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Replica honesty: every read measures the replica's replay lag in the
 * statement that applies its settings, just before its queries, and falls back to
 * the primary, with the same read-only role, when the replica is unreachable,
 * lags beyond the bound, or cancels the read for a recovery conflict. Reads are
 * idempotent, so retrying one on the primary is always safe.
 */
export function createReadRouter(opts: ReadRouterOptions): ReadRouter {
  const now = opts.now ?? Date.now;
  const gauge = createLagGauge(now);
  let skipReplicaUntil = 0;
  let lastReason = '';

  // Ask the primary how far it has got: one extra round trip, only when the
  // replica alone cannot show it is fresh (the read would leave it otherwise).
  const confirm = async (
    sample: ReplaySample,
    options: ReadOptions,
  ): Promise<Freshness | undefined | 'primary down'> => {
    try {
      const lsn = await withReadSession(opts.primary!, { deadline: options.deadline }, (c) =>
        getPrimaryFlushLsn(c),
      );
      return gauge.confirm(sample, lsn);
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      opts.log.warn({ err }, 'primary unreachable, serving the replica as it is');
      return 'primary down';
    }
  };

  const onPrimary = async <T>(
    options: ReadOptions,
    fn: ReadFn<T>,
    reason: string,
    lagMs: number | undefined,
  ): Promise<Routed<T>> => {
    const value = await withReadSession(opts.primary!, options, (c, _p, a) => fn(c, a));
    return {
      value,
      readInfo: {
        source: DataSource.PRIMARY,
        replicaLag: lagMs === undefined ? undefined : durationOf(lagMs),
        degraded: true,
        degradedReason: reason,
      },
    };
  };

  return {
    async read(callerOptions, fn) {
      const options = {
        ...callerOptions,
        settings: { ...PLANNER_DEFAULTS, ...callerOptions.settings },
      };
      if (opts.primary && now() < skipReplicaUntil) {
        return onPrimary(options, fn, lastReason, undefined);
      }
      let lagMs: number | undefined;
      let staleReason = '';
      let primaryDown = false;
      try {
        const value = await withReadSession(
          opts.replica,
          { ...options, probe: LAG_COLUMNS },
          async (client, probed, alongside) => {
            const sample = sampleOf(probed);
            let freshness = gauge.assess(sample);
            if (opts.primary && !fresh(freshness, opts.maxReplicaLagMs)) {
              const confirmed = await confirm(sample, options);
              if (confirmed === 'primary down') primaryDown = true;
              else freshness = confirmed ?? freshness;
            }
            if ('unknown' in freshness) {
              staleReason = freshness.unknown;
            } else {
              lagMs = freshness.lagMs;
              if (lagMs > opts.maxReplicaLagMs)
                staleReason = lagReason(lagMs, opts.maxReplicaLagMs);
            }
            if (opts.primary && staleReason && !primaryDown) throw new TooStale(staleReason);
            return fn(client, alongside);
          },
        );
        return {
          value,
          readInfo: {
            source: DataSource.REPLICA,
            replicaLag: lagMs === undefined ? undefined : durationOf(lagMs),
            degraded: staleReason !== '',
            degradedReason: staleReason
              ? `${staleReason}; ${primaryDown ? 'primary unreachable' : 'no primary configured'}`
              : '',
          },
        };
      } catch (err) {
        if (!opts.primary) throw err;
        if (err instanceof TooStale) return onPrimary(options, fn, err.reason, lagMs);
        if (isConnectionError(err)) {
          skipReplicaUntil = now() + opts.replicaRetryMs;
          lastReason = 'replica unreachable';
          opts.log.warn({ err }, 'replica unreachable, reading from the primary');
          return onPrimary(options, fn, lastReason, lagMs);
        }
        if ((err as { code?: unknown }).code === RECOVERY_CONFLICT) {
          return onPrimary(options, fn, 'replica cancelled the read (recovery conflict)', lagMs);
        }
        throw err;
      }
    },
  };
}

function fresh(f: Freshness, maxLagMs: number): boolean {
  return 'lagMs' in f && f.lagMs <= maxLagMs;
}

function lagReason(lagMs: number, maxMs: number): string {
  return `replica lag ${(lagMs / 1000).toFixed(1)}s > ${(maxMs / 1000).toFixed(1)}s`;
}

/** A protobuf Duration of `ms` milliseconds. */
export function durationOf(ms: number): { seconds: bigint; nanos: number } {
  const whole = Math.floor(ms / 1000);
  return {
    seconds: BigInt(whole),
    nanos: Math.min(999_999_999, Math.round((ms - whole * 1000) * 1e6)),
  };
}

/** Response metadata mirroring ReadInfo, for callers that only look at headers. */
export function readInfoHeaders(headers: Headers, info: ReadInfoInit): void {
  headers.set('x-read-source', info.source === DataSource.PRIMARY ? 'primary' : 'replica');
  const lag = info.replicaLag;
  if (lag) {
    headers.set(
      'x-replica-lag-ms',
      String(Number(lag.seconds ?? 0n) * 1000 + Math.round((lag.nanos ?? 0) / 1e6)),
    );
  }
  if (info.degraded) headers.set('x-read-degraded', info.degradedReason ?? 'true');
}
