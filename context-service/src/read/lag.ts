import { recordReplicaLag } from '@autoserve/runtime';

/**
 * What a read transaction learns about the server it runs on, evaluated with
 * its settings in one round trip (see withReadSession's probe).
 */
export const LAG_COLUMNS = `
       pg_is_in_recovery() AS in_recovery,
       pg_last_wal_receive_lsn()::text AS receive_lsn,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8
         AS since_commit_ms`;

/** The probe's row, parsed. */
export interface ReplaySample {
  inRecovery: boolean;
  /** Flushed by the WAL receiver; undefined while streaming has not started. */
  receiveLsn: bigint | undefined;
  replayLsn: bigint | undefined;
  /** Since the last replayed commit was made; undefined before one is replayed. */
  sinceCommitMs: number | undefined;
}

/** How stale a replica snapshot is: a bound in ms, or why it cannot be bounded. */
export type Freshness = { lagMs: number } | { unknown: string };

export function sampleOf(row: Record<string, unknown>): ReplaySample {
  return {
    inRecovery: row.in_recovery === true,
    receiveLsn: lsnOf(row.receive_lsn),
    replayLsn: lsnOf(row.replay_lsn),
    sinceCommitMs: typeof row.since_commit_ms === 'number' ? row.since_commit_ms : undefined,
  };
}

/** '16/B374D848' → its 64-bit position. */
export function lsnOf(value: unknown): bigint | undefined {
  if (typeof value !== 'string') return undefined;
  const [hi, lo] = value.split('/');
  if (hi === undefined || lo === undefined) return undefined;
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/**
 * Bounds replica staleness from successive samples. One sample alone is not
 * enough: "time since the last replayed commit" is minutes on an idle primary
 * whenever a non-commit record (a checkpoint, the 15 s running-xacts record) is
 * received but not yet replayed. So the gauge remembers when it last knew the
 * replica had everything: a snapshot that has replayed at least that position
 * is no older than that moment. Both figures over-estimate; the smaller wins.
 *
 * A standby that has replayed all it received is taken as fresh. One that is
 * not streaming, or has just restarted streaming and received nothing new, has
 * only those bounds; when they are missing or too large, `confirm` with the
 * primary's flushed position settles it.
 */
export function createLagGauge(now: () => number) {
  let caughtUp: { lsn: bigint; at: number } | undefined;

  return {
    assess(s: ReplaySample): Freshness {
      if (!s.inRecovery) return { lagMs: 0 };
      if (s.replayLsn === undefined) return { unknown: 'replica has not replayed any WAL' };
      if (s.receiveLsn === s.replayLsn) {
        caughtUp = { lsn: s.replayLsn, at: now() };
        return known(0);
      }
      const bounds: number[] = [];
      if (s.sinceCommitMs !== undefined) bounds.push(Math.max(0, s.sinceCommitMs));
      if (caughtUp && caughtUp.lsn <= s.replayLsn) bounds.push(Math.max(0, now() - caughtUp.at));
      if (bounds.length > 0) return known(Math.min(...bounds));
      if (s.receiveLsn === undefined) return { unknown: 'replica not streaming from the primary' };
      // After a restart the receiver reports the start of the segment it asked
      // for, behind what was replayed from local WAL, until new WAL arrives.
      if (s.receiveLsn < s.replayLsn) return { unknown: 'replica streaming has just restarted' };
      return { unknown: 'replica is replaying and has no commit to date it' };
    },

    /**
     * `primaryLsn` was read from the primary after the sample's snapshot: if
     * the replica had replayed up to it, the snapshot missed nothing.
     */
    confirm(s: ReplaySample, primaryLsn: bigint): Freshness | undefined {
      if (s.replayLsn === undefined || s.replayLsn < primaryLsn) return undefined;
      caughtUp = { lsn: s.replayLsn, at: now() };
      return known(0);
    },
  };
}

function known(lagMs: number): Freshness {
  recordReplicaLag(lagMs / 1000);
  return { lagMs };
}
