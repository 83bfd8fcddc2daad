import type { Db } from './db.js';

/**
 * Records the runtime id of a created instance (its row was inserted with a
 * "pending:<name>" placeholder before the container existed, so a crash in
 * between leaves a row the reconciler can match by name).
 */
export async function setContainerId(
  db: Db,
  id: number,
  containerId: string,
  startedAt: Date,
): Promise<boolean> {
  const res = await db.query(
    `UPDATE instances SET container_id = $2, started_at = $3, status = 'running',
            health_status = CASE WHEN health_status = 'unknown' THEN 'starting' ELSE health_status END
      WHERE id = $1`,
    [id, containerId, startedAt],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Ports held by any instance row that is not stopped or errored. */
export async function listLivePorts(db: Db): Promise<number[]> {
  const res = await db.query<{ port: number }>(
    `SELECT port FROM instances WHERE status IN ('starting', 'running', 'draining', 'stopping')`,
  );
  return res.rows.map((r) => r.port);
}

/** Instance rows of an app in any status (a scale-in is done when this reaches its target). */
export async function countAppInstances(db: Db, appName: string): Promise<number> {
  const res = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM instances WHERE app_name = $1',
    [appName],
  );
  return res.rows[0]!.n;
}
