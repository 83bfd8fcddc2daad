import type { Db } from '../../queries/db.js';

/** One endpoint row. */
export interface EndpointRow {
  id: number;
  replica_index: number;
  ip: string;
  port: number;
}

/** The app's healthy, running, not draining instances by replica index. */
export async function listEndpoints(db: Db, appName: string): Promise<EndpointRow[]> {
  const res = await db.query<EndpointRow>(
    `SELECT id, replica_index, host(ip) AS ip, port FROM instances
      WHERE app_name = $1 AND status = 'running' AND health_status = 'healthy'
        AND draining_since IS NULL
      ORDER BY replica_index`,
    [appName],
  );
  return res.rows;
}

/** Whether the app exists (a watch of an unknown app is NotFound). */
export async function appExists(db: Db, appName: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM applications WHERE name = $1', [appName]);
  return (res.rowCount ?? 0) > 0;
}
