import type { Db } from './db.js';

/** What a spec generation's instances start from. */
export interface StoredPin {
  image_ref: string;
  image_digest: string;
}

/**
 * Records the image a generation resolved to, once: only while the app is
 * still at that generation and has no pin for it yet. Returns the pin that
 * holds for the generation afterwards (another Scaler's, if it won), or
 * undefined when the app has moved on to a newer generation.
 */
export async function pinAppImageOnce(
  db: Db,
  name: string,
  generation: string,
  pin: { ref: string; digest: string },
): Promise<{ pin: StoredPin; won: boolean } | undefined> {
  const set = await db.query<StoredPin>(
    `UPDATE applications SET image_ref = $3, image_digest = $4, image_generation = $2
      WHERE name = $1 AND generation = $2 AND image_generation IS DISTINCT FROM $2
      RETURNING image_ref, image_digest`,
    [name, generation, pin.ref, pin.digest],
  );
  if (set.rows[0]) return { pin: set.rows[0], won: true };
  const cur = await db.query<StoredPin>(
    `SELECT image_ref, image_digest FROM applications
      WHERE name = $1 AND image_generation = $2 AND image_ref IS NOT NULL`,
    [name, generation],
  );
  return cur.rows[0] ? { pin: cur.rows[0], won: false } : undefined;
}

/** Records the digest an instance was started from. */
export async function setInstanceImageDigest(db: Db, id: number, digest: string): Promise<boolean> {
  const res = await db.query('UPDATE instances SET image_digest = $2 WHERE id = $1', [id, digest]);
  return (res.rowCount ?? 0) > 0;
}
