import { notFound } from '@autoserve/runtime';
import type { AppStatusName } from '../validation/lifecycle.js';
import type { AppSpecJson } from '../validation/spec.js';
import type { Db } from './db.js';

/** An applications row. */
export interface AppRow {
  name: string;
  spec: AppSpecJson;
  status: AppStatusName;
  mode: 'auto' | 'manual';
  replicas: number;
  desired_replicas: number;
  last_scaled_at: Date | null;
  generation: string;
  created_at: Date;
  updated_at: Date;
  /** What image_generation's instances start from (docker runtime); null until resolved. */
  image_ref?: string | null;
  image_digest?: string | null;
  /** The generation image_ref was resolved for (int8 as text). */
  image_generation?: string | null;
}

/** An app with its instance statistics (ListApps). */
export interface AppSummaryRow extends AppRow {
  running_instances: number;
  healthy_instances: number;
  avg_cpu_percent: number;
  avg_memory_percent: number;
}

const APP_COLUMNS = `name, spec, status, mode, replicas, desired_replicas, last_scaled_at,
  generation, created_at, updated_at, image_ref, image_digest, image_generation`;

/** Inserts a new app; a duplicate name is 23505 (AlreadyExists). */
export async function insertApp(
  db: Db,
  app: {
    name: string;
    spec: AppSpecJson;
    status: AppStatusName;
    mode: string;
    desiredReplicas: number;
  },
): Promise<AppRow> {
  const res = await db.query<AppRow>(
    `INSERT INTO applications (name, spec, status, mode, desired_replicas)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${APP_COLUMNS}`,
    [app.name, JSON.stringify(app.spec), app.status, app.mode, app.desiredReplicas],
  );
  return res.rows[0]!;
}

/** The app, or undefined. `forUpdate` locks the row for the rest of the transaction. */
export async function maybeGetApp(
  db: Db,
  name: string,
  forUpdate = false,
): Promise<AppRow | undefined> {
  const res = await db.query<AppRow>(
    `SELECT ${APP_COLUMNS} FROM applications WHERE name = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [name],
  );
  return res.rows[0];
}

/** The app, or NotFound naming it. */
export async function getAppOrThrow(db: Db, name: string, forUpdate = false): Promise<AppRow> {
  const app = await maybeGetApp(db, name, forUpdate);
  if (!app) throw notFound(`app "${name}"`);
  return app;
}

/** Changes the fields given; returns the updated row (the row must exist). */
export async function updateApp(
  db: Db,
  name: string,
  change: {
    spec?: AppSpecJson;
    status?: AppStatusName;
    mode?: 'auto' | 'manual';
    replicas?: number;
    desiredReplicas?: number;
    lastScaledAt?: Date;
  },
): Promise<AppRow> {
  // Fixed statement: each field is set when its parameter is not null, so no
  // SQL is assembled from the request.
  const res = await db.query<AppRow>(
    `UPDATE applications SET
       spec = coalesce($2::jsonb, spec),
       status = coalesce($3, status),
       mode = coalesce($4, mode),
       replicas = coalesce($5, replicas),
       desired_replicas = coalesce($6, desired_replicas),
       last_scaled_at = coalesce($7, last_scaled_at)
     WHERE name = $1 RETURNING ${APP_COLUMNS}`,
    [
      name,
      change.spec ? JSON.stringify(change.spec) : null,
      change.status ?? null,
      change.mode ?? null,
      change.replicas ?? null,
      change.desiredReplicas ?? null,
      change.lastScaledAt ?? null,
    ],
  );
  if (!res.rows[0]) throw notFound(`app "${name}"`);
  return res.rows[0];
}

/**
 * Apps by name with instance statistics, after `afterName`, optionally only
 * some statuses; `limit` rows.
 */
export async function listAppSummaries(
  db: Db,
  opts: { statuses: string[]; afterName: string | undefined; limit: number },
): Promise<AppSummaryRow[]> {
  const res = await db.query<AppSummaryRow>(
    `SELECT a.name, a.spec, a.status, a.mode, a.replicas, a.desired_replicas, a.last_scaled_at,
            a.generation, a.created_at, a.updated_at,
            coalesce(s.running, 0)::int AS running_instances,
            coalesce(s.healthy, 0)::int AS healthy_instances,
            coalesce(s.cpu, 0)::float8 AS avg_cpu_percent,
            coalesce(s.mem, 0)::float8 AS avg_memory_percent
       FROM applications a
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE i.status = 'running') AS running,
                count(*) FILTER (WHERE i.health_status = 'healthy' AND i.status <> 'stopped') AS healthy,
                avg(i.cpu_percent) FILTER (WHERE i.status = 'running') AS cpu,
                avg(i.memory_percent) FILTER (WHERE i.status = 'running') AS mem
           FROM instances i WHERE i.app_name = a.name
       ) s ON true
      WHERE (cardinality($1::text[]) = 0 OR a.status = ANY ($1))
        AND ($2::text IS NULL OR a.name > $2)
      ORDER BY a.name
      LIMIT $3`,
    [opts.statuses, opts.afterName ?? null, opts.limit],
  );
  return res.rows;
}

/** Apps in the given statuses, by name (the control loop's work list). */
export async function listAppsByStatus(db: Db, statuses: AppStatusName[]): Promise<AppRow[]> {
  const res = await db.query<AppRow>(
    `SELECT ${APP_COLUMNS} FROM applications WHERE status = ANY ($1) ORDER BY name`,
    [statuses],
  );
  return res.rows;
}

/** Every app name (the ingest path's cache of known apps). */
export async function listAppNames(db: Db): Promise<string[]> {
  const res = await db.query<{ name: string }>('SELECT name FROM applications');
  return res.rows.map((r) => r.name);
}

/**
 * Removes a deleting app's row (the control loop, after its instances are
 * gone). Returns false when the row was not there or not deleting.
 */
export async function deleteDeletingApp(db: Db, name: string): Promise<boolean> {
  const res = await db.query(`DELETE FROM applications WHERE name = $1 AND status = 'deleting'`, [
    name,
  ]);
  return (res.rowCount ?? 0) > 0;
}
