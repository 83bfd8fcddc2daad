import { recordReplicaLag } from '@autoserve/runtime';

/** Replay state of a standby, measured at the start of a read transaction. */
export interface ReplicaState {
  /** False when the server answering is not a standby (promoted, or the primary). */
  inRecovery: boolean;
  /** Replay lag in ms; undefined when it cannot be known (nothing replayed yet). */
  lagMs: number | undefined;
}

/**
 * Lag is "time since the last replayed transaction" only while WAL is still
 * waiting to be replayed: an idle primary sends nothing, so a fully caught-up
 * replica would otherwise look minutes behind. When the replayed position
 * equals the received one, the replica has everything it was sent: lag 0.
 */
export const LAG_COLUMNS = `
       pg_is_in_recovery() AS in_recovery,
       CASE
         WHEN NOT pg_is_in_recovery() THEN 0
         WHEN pg_last_wal_receive_lsn() IS NOT NULL
              AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
         ELSE greatest(0, extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)
       END::float8 AS lag_ms`;

/**
 * The replay state of the server a read ran on, from the LAG_COLUMNS its
 * transaction evaluated together with its settings (one round trip).
 */
export function replicaStateOf(row: Record<string, unknown>): ReplicaState {
  const inRecovery = row.in_recovery === true;
  const lagMs = typeof row.lag_ms === 'number' ? row.lag_ms : undefined;
  if (inRecovery && lagMs !== undefined) recordReplicaLag(lagMs / 1000);
  return { inRecovery, lagMs };
}
