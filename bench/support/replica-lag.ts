import pg from 'pg';
import { percentile } from './stats.js';

export interface LagFigures {
  samples: number;
  /** Samples with no replica streaming (restarting, or not connected yet). */
  disconnected_samples: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  max_bytes: number;
}

/**
 * Samples replica lag on the primary every `everyMs` (pg_stat_replication:
 * replay_lag, and the WAL bytes not yet replayed) until stopped. Needs a
 * superuser or pg_monitor URL. A sampler error (primary restarting) is a
 * disconnected sample, not a failure of the run.
 */
export function sampleReplicaLag(
  primaryUrl: string,
  everyMs = 250,
): { stop(): Promise<LagFigures> } {
  const lags: number[] = [];
  let bytes = 0;
  let disconnected = 0;
  let samples = 0;
  const pool = new pg.Pool({ connectionString: primaryUrl, max: 1 });
  pool.on('error', () => {});
  let running = true;
  const loop = (async () => {
    while (running) {
      samples++;
      try {
        const { rows } = await pool.query<{ lag_ms: number | null; lag_bytes: string | null }>(
          `SELECT EXTRACT(epoch FROM replay_lag) * 1000 AS lag_ms,
                  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS lag_bytes
             FROM pg_stat_replication WHERE state = 'streaming'`,
        );
        if (rows.length === 0) disconnected++;
        for (const row of rows) {
          lags.push(Number(row.lag_ms ?? 0));
          bytes = Math.max(bytes, Number(row.lag_bytes ?? 0));
        }
      } catch {
        disconnected++;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await pool.end();
      const sorted = lags.sort((a, b) => a - b);
      const r = (x: number) => Math.round(x * 10) / 10;
      return {
        samples,
        disconnected_samples: disconnected,
        p50_ms: r(percentile(sorted, 50)),
        p95_ms: r(percentile(sorted, 95)),
        max_ms: r(sorted.at(-1) ?? 0),
        max_bytes: bytes,
      };
    },
  };
}
