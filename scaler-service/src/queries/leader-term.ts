import type { Db } from './db.js';

/**
 * Starts a new leadership term: called by a process right after it won the
 * leader lock. The UPDATE waits for acting transactions of the previous term
 * that hold the row FOR SHARE, so they end before this term begins.
 * Returns the new term (int8 as text).
 */
export async function bumpLeaderTerm(db: Db, holder: string): Promise<string> {
  const res = await db.query<{ term: string }>(
    `UPDATE control_leadership SET term = term + 1, holder = $1, taken_at = now()
      WHERE id RETURNING term`,
    [holder.slice(0, 200)],
  );
  return res.rows[0]!.term;
}

/**
 * The fencing check of an acting transaction: true when `term` is still the
 * current one, and then the row stays locked FOR SHARE until the caller's
 * transaction ends, so no takeover can begin while it acts.
 */
export async function lockLeaderTermIfCurrent(db: Db, term: string): Promise<boolean> {
  const res = await db.query<{ term: string }>(
    'SELECT term FROM control_leadership WHERE id FOR SHARE',
  );
  return res.rows[0]?.term === term;
}
