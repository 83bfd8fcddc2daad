import type { Db } from './db.js';

/** Tables retention manages: time-partitioned, with their time column. */
export const RETAINED = {
  metrics: 'timestamp',
  events: 'timestamp',
} as const;
export type RetainedTable = keyof typeof RETAINED;

/** Drops `table`'s partitions that end at or before `cutoff`; returns how many. */
export async function dropPartitionsBefore(
  db: Db,
  table: RetainedTable,
  cutoff: Date,
): Promise<number> {
  const res = await db.query<{ n: number }>(
    'SELECT autoserve_drop_partitions_before($1::regclass, $2) AS n',
    [table, cutoff],
  );
  return res.rows[0]?.n ?? 0;
}

/**
 * Partitions of `table` that may still hold rows older than `cutoff`: the
 * DEFAULT partition and those whose range starts before the cutoff (after
 * the drop, only the one containing it). Names come from the catalog,
 * already quoted by regclass output.
 */
export async function listPartitionsBefore(
  db: Db,
  table: RetainedTable,
  cutoff: Date,
): Promise<string[]> {
  const res = await db.query<{ part: string }>(
    `SELECT c.oid::regclass::text AS part
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass
        AND (pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
             OR (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz < $2)
      ORDER BY 1`,
    [table, cutoff],
  );
  return res.rows.map((r) => r.part);
}

/**
 * Deletes at most `limit` rows older than `cutoff` from one partition (a
 * name returned by listPartitionsBefore, never request data); returns how
 * many. Short statements keep locks and WAL bursts small.
 */
export async function deleteOldRowsBatch(
  db: Db,
  partition: string,
  column: string,
  cutoff: Date,
  limit: number,
): Promise<number> {
  if (!/^[a-z_][a-z0-9_]*$/.test(partition) || !/^[a-z_]+$/.test(column)) {
    throw new Error(`unexpected partition name ${partition}`);
  }
  const res = await db.query(
    `DELETE FROM ${partition} WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM ${partition} WHERE ${column} < $1 LIMIT $2))`,
    [cutoff, limit],
  );
  return res.rowCount ?? 0;
}

/** Session lock so only one Scaler runs retention at a time ('autoretn'). */
export const RETENTION_LOCK = 0x6175746f7265746en;

export async function tryRetentionLock(db: Db): Promise<boolean> {
  const res = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
    RETENTION_LOCK.toString(),
  ]);
  return res.rows[0]?.ok === true;
}

export async function releaseRetentionLock(db: Db): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK.toString()]);
}
