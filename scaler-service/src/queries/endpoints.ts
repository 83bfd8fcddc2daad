import type { Db } from './db.js';

/** One endpoint row. */
export interface EndpointRow {
  id: number;
  replica_index: number;
  ip: string;
  port: number;
}

/**
 * The healthy, running, not draining instances (by replica index) of each of
 * `appNames` that exists, in one query: every WatchEndpoints stream of every
 * app is fed by one read. Apps that do not exist are absent from the map.
 */
export async function listEndpointsOfApps(
  db: Db,
  appNames: readonly string[],
): Promise<Map<string, EndpointRow[]>> {
  const res = await db.query<
    { app_name: string } & { [K in keyof EndpointRow]: EndpointRow[K] | null }
  >(
    `SELECT a.name AS app_name, i.id, i.replica_index, host(i.ip) AS ip, i.port
       FROM applications a
       LEFT JOIN instances i
         ON i.app_name = a.name AND i.status = 'running' AND i.health_status = 'healthy'
        AND i.draining_since IS NULL
      WHERE a.name = ANY ($1::text[])
      ORDER BY a.name, i.replica_index`,
    [appNames],
  );
  const sets = new Map<string, EndpointRow[]>();
  for (const row of res.rows) {
    let set = sets.get(row.app_name);
    if (!set) {
      set = [];
      sets.set(row.app_name, set);
    }
    if (row.id !== null) {
      set.push({ id: row.id, replica_index: row.replica_index!, ip: row.ip!, port: row.port! });
    }
  }
  return sets;
}

/** Whether the app exists (a watch of an unknown app is NotFound). */
export async function appExists(db: Db, appName: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM applications WHERE name = $1', [appName]);
  return (res.rowCount ?? 0) > 0;
}
