import { notFound } from '@autoserve/runtime';
import type { Db } from './db.js';

/** An instances row as the RPCs and the control loop see it (ip as text). */
export interface InstanceRow {
  id: number;
  app_name: string;
  runtime: 'docker' | 'process';
  container_id: string;
  container_name: string;
  replica_index: number;
  ip: string;
  port: number;
  status: 'starting' | 'running' | 'stopping' | 'stopped' | 'error' | 'draining';
  health_status: 'unknown' | 'healthy' | 'unhealthy' | 'starting';
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  ready_at: Date | null;
  draining_since: Date | null;
  last_health_check: Date | null;
  failure_count: number;
  consecutive_failures: number;
  last_failure_at: Date | null;
  exit_code: number | null;
  last_error: string | null;
  cpu_percent: number;
  memory_percent: number;
  memory_usage_bytes: string;
  /** The app generation it was made from (int8 as text); null = taken as current. */
  app_generation: string | null;
  /** The image digest it was started from; null when unknown. */
  image_digest?: string | null;
}

const INSTANCE_COLUMNS = `id, app_name, runtime, container_id, container_name, replica_index,
  host(ip) AS ip, port, status, health_status, created_at, updated_at, started_at, ready_at,
  draining_since, last_health_check, failure_count, consecutive_failures, last_failure_at,
  exit_code, last_error, cpu_percent, memory_percent, memory_usage_bytes, app_generation,
  image_digest`;

/** One instance, or NotFound. */
export async function getInstanceOrThrow(db: Db, id: number): Promise<InstanceRow> {
  const res = await db.query<InstanceRow>(
    `SELECT ${INSTANCE_COLUMNS} FROM instances WHERE id = $1`,
    [id],
  );
  if (!res.rows[0]) throw notFound(`instance ${id}`);
  return res.rows[0];
}

/**
 * Instances by app then replica index, after the (app, replica) position;
 * `statuses` empty means all but stopped.
 */
export async function listInstances(
  db: Db,
  opts: {
    appName: string | null;
    statuses: string[];
    after: [string, number] | undefined;
    limit: number;
  },
): Promise<InstanceRow[]> {
  const res = await db.query<InstanceRow>(
    `SELECT ${INSTANCE_COLUMNS} FROM instances
      WHERE ($1::text IS NULL OR app_name = $1)
        AND (CASE WHEN cardinality($2::text[]) = 0 THEN status <> 'stopped' ELSE status = ANY ($2) END)
        AND ($3::text IS NULL OR (app_name, replica_index) > ($3, $4::int))
      ORDER BY app_name, replica_index
      LIMIT $5`,
    [opts.appName, opts.statuses, opts.after?.[0] ?? null, opts.after?.[1] ?? null, opts.limit],
  );
  return res.rows;
}

/** Every instance of one app (any status), by replica index. */
export async function listAppInstances(db: Db, appName: string): Promise<InstanceRow[]> {
  const res = await db.query<InstanceRow>(
    `SELECT ${INSTANCE_COLUMNS} FROM instances WHERE app_name = $1 ORDER BY replica_index`,
    [appName],
  );
  return res.rows;
}

/**
 * The columns a control pass plans and evaluates from (planApp, the
 * autoscaler's readiness and start-up lead): 11 of 26, three timestamps of
 * seven; a pass over 1,000 apps lists 5,000 rows, and parsing the rest
 * (dates above all) was a third of the listing's time.
 */
export type InstanceState = Pick<
  InstanceRow,
  | 'id'
  | 'app_name'
  | 'container_id'
  | 'container_name'
  | 'replica_index'
  | 'status'
  | 'health_status'
  | 'started_at'
  | 'ready_at'
  | 'draining_since'
  | 'app_generation'
>;

const STATE_COLUMNS = `id, app_name, container_id, container_name, replica_index, status,
  health_status, started_at, ready_at, draining_since, app_generation`;

/** The state of every instance of many apps (any status), by app then replica index (one control pass). */
export async function listInstancesOfApps(
  db: Db,
  appNames: readonly string[],
): Promise<Map<string, InstanceState[]>> {
  const res = await db.query<InstanceState>(
    `SELECT ${STATE_COLUMNS} FROM instances WHERE app_name = ANY ($1)
      ORDER BY app_name, replica_index`,
    [appNames],
  );
  const out = new Map<string, InstanceState[]>();
  for (const r of res.rows) {
    const list = out.get(r.app_name);
    if (list) list.push(r);
    else out.set(r.app_name, [r]);
  }
  return out;
}

/** What the control loop knows when it creates an instance. */
export interface NewInstance {
  appName: string;
  runtime: 'docker' | 'process';
  containerId: string;
  containerName: string;
  replicaIndex: number;
  /** Generation of the app spec it runs; undefined when unknown (adopted without a label). */
  appGeneration: string | undefined;
  ip: string;
  port: number;
  status?: InstanceRow['status'];
  startedAt?: Date | null;
}

const INSERT_INSTANCE = `INSERT INTO instances (app_name, runtime, container_id, container_name,
                            replica_index, ip, port, status, started_at, app_generation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

function insertParams(i: NewInstance): unknown[] {
  return [
    i.appName,
    i.runtime,
    i.containerId,
    i.containerName,
    i.replicaIndex,
    i.ip,
    i.port,
    i.status ?? 'starting',
    i.startedAt ?? null,
    i.appGeneration ?? null,
  ];
}

/** Records a new instance. Duplicate container id / replica index / live port: 23505. */
export async function insertInstance(db: Db, i: NewInstance): Promise<InstanceRow> {
  const res = await db.query<InstanceRow>(
    `${INSERT_INSTANCE} RETURNING ${INSTANCE_COLUMNS}`,
    insertParams(i),
  );
  return res.rows[0]!;
}

/**
 * Records a new instance unless a live instance holds its port (undefined
 * then): the reconciler's race-free check for fixed ports, answered by the
 * partial unique index without raising a unique violation.
 */
export async function maybeInsertInstanceOnFreePort(
  db: Db,
  i: NewInstance,
): Promise<InstanceRow | undefined> {
  const res = await db.query<InstanceRow>(
    `${INSERT_INSTANCE}
     ON CONFLICT (port) WHERE status IN ('starting', 'running', 'draining', 'stopping') DO NOTHING
     RETURNING ${INSTANCE_COLUMNS}`,
    insertParams(i),
  );
  return res.rows[0];
}

/** The live instance holding a port, if any (to name it in a conflict). */
export async function maybeGetLivePortHolder(
  db: Db,
  port: number,
): Promise<{ id: number; app_name: string; status: string } | undefined> {
  const res = await db.query<{ id: number; app_name: string; status: string }>(
    `SELECT id, app_name, status FROM instances
      WHERE port = $1 AND status IN ('starting', 'running', 'draining', 'stopping')`,
    [port],
  );
  return res.rows[0];
}

/** Fields the control loop and health checker change. */
export interface InstanceChange {
  status?: InstanceRow['status'];
  healthStatus?: InstanceRow['health_status'];
  startedAt?: Date;
  readyAt?: Date;
  /** Date to set, null to clear. */
  drainingSince?: Date | null;
  lastHealthCheck?: Date;
  failureCount?: number;
  consecutiveFailures?: number;
  lastFailureAt?: Date;
  exitCode?: number;
  lastError?: string;
  cpuPercent?: number;
  memoryPercent?: number;
  memoryUsageBytes?: number;
}

/** Changes the fields given; returns the row, or undefined when it is gone. */
export async function updateInstance(
  db: Db,
  id: number,
  c: InstanceChange,
): Promise<InstanceRow | undefined> {
  const res = await db.query<InstanceRow>(
    `UPDATE instances SET
       status = coalesce($2, status),
       health_status = coalesce($3, health_status),
       started_at = coalesce($4, started_at),
       ready_at = coalesce($5, ready_at),
       draining_since = CASE WHEN $6::boolean THEN $7::timestamptz ELSE draining_since END,
       last_health_check = coalesce($8, last_health_check),
       failure_count = coalesce($9, failure_count),
       consecutive_failures = coalesce($10, consecutive_failures),
       last_failure_at = coalesce($11, last_failure_at),
       exit_code = coalesce($12, exit_code),
       last_error = coalesce($13, last_error),
       cpu_percent = coalesce($14, cpu_percent),
       memory_percent = coalesce($15, memory_percent),
       memory_usage_bytes = coalesce($16, memory_usage_bytes)
     WHERE id = $1 RETURNING ${INSTANCE_COLUMNS}`,
    [
      id,
      c.status ?? null,
      c.healthStatus ?? null,
      c.startedAt ?? null,
      c.readyAt ?? null,
      c.drainingSince !== undefined,
      c.drainingSince ?? null,
      c.lastHealthCheck ?? null,
      c.failureCount ?? null,
      c.consecutiveFailures ?? null,
      c.lastFailureAt ?? null,
      c.exitCode ?? null,
      c.lastError ?? null,
      c.cpuPercent ?? null,
      c.memoryPercent ?? null,
      c.memoryUsageBytes ?? null,
    ],
  );
  return res.rows[0];
}

/** Removes an instance row (after its container is gone). */
export async function deleteInstance(db: Db, id: number): Promise<boolean> {
  const res = await db.query('DELETE FROM instances WHERE id = $1', [id]);
  return (res.rowCount ?? 0) > 0;
}
