import type { PoolClient } from '@autoserve/runtime';
import { lsnOf } from '../read/lag.js';

/**
 * The primary's flushed WAL position: what its WAL senders can have sent.
 * A replica that has replayed up to it holds every durable commit.
 */
export async function getPrimaryFlushLsn(primary: PoolClient): Promise<bigint> {
  const r = await primary.query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn');
  const lsn = lsnOf(r.rows[0]?.lsn);
  if (lsn === undefined) throw new Error('pg_current_wal_flush_lsn() returned no position');
  return lsn;
}
