import type { Db } from './db.js';

/** A stored response of an earlier call with the same request id. */
export interface IdempotencyRow {
  request_hash: string;
  response: Buffer;
}

/**
 * Serialises calls with the same (method, request_id) until the end of the
 * transaction, so two concurrent retries cannot both run the mutation.
 */
export async function lockRequestId(db: Db, method: string, requestId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `${method}/${requestId}`,
  ]);
}

/** The stored response for a request id, or undefined. */
export async function maybeGetIdempotencyKey(
  db: Db,
  method: string,
  requestId: string,
): Promise<IdempotencyRow | undefined> {
  const res = await db.query<IdempotencyRow>(
    'SELECT request_hash, response FROM idempotency_keys WHERE method = $1 AND request_id = $2',
    [method, requestId],
  );
  return res.rows[0];
}

/** Stores the response of a request id (same transaction as the change it made). */
export async function insertIdempotencyKey(
  db: Db,
  key: { method: string; requestId: string; requestHash: string; response: Uint8Array },
): Promise<void> {
  await db.query(
    `INSERT INTO idempotency_keys (method, request_id, request_hash, response)
     VALUES ($1, $2, $3, $4)`,
    [key.method, key.requestId, key.requestHash, Buffer.from(key.response)],
  );
}

/** Deletes keys older than `before`, at most `limit` rows; returns how many. */
export async function deleteIdempotencyKeysBefore(
  db: Db,
  before: Date,
  limit: number,
): Promise<number> {
  const res = await db.query(
    `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2))`,
    [before, limit],
  );
  return res.rowCount ?? 0;
}
