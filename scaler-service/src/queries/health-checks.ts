import type { HealthCheckRow } from '../validation/health-check.js';
import type { Db } from './db.js';

const HC_COLUMNS = `protocol, path, port, method, headers, body, expected_status_codes,
  initial_delay_seconds, period_seconds, timeout_seconds, failure_threshold, success_threshold,
  enabled`;

const ORDER = HC_COLUMNS.split(',').map((c) => c.trim()) as (keyof HealthCheckRow)[];

export type StoredHealthCheck = HealthCheckRow & { app_name: string; updated_at: Date };

/** Inserts or replaces an app's health check (defaults already filled in). */
export async function upsertHealthCheck(
  db: Db,
  appName: string,
  hc: HealthCheckRow,
): Promise<StoredHealthCheck> {
  const values = ORDER.map((k) =>
    k === 'headers' && hc.headers ? JSON.stringify(hc.headers) : hc[k],
  );
  const params = ORDER.map((_, i) => `$${i + 2}`).join(', ');
  const updates = ORDER.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  // The column list is the fixed constant above; only values are parameters.
  const res = await db.query<StoredHealthCheck>(
    `INSERT INTO health_checks (app_name, ${HC_COLUMNS}) VALUES ($1, ${params})
     ON CONFLICT (app_name) DO UPDATE SET ${updates}, updated_at = now()
     RETURNING app_name, updated_at, ${HC_COLUMNS}`,
    [appName, ...values],
  );
  return res.rows[0]!;
}

/** An app's health check, or undefined. */
export async function maybeGetHealthCheck(
  db: Db,
  appName: string,
): Promise<StoredHealthCheck | undefined> {
  const res = await db.query<StoredHealthCheck>(
    `SELECT app_name, updated_at, ${HC_COLUMNS} FROM health_checks WHERE app_name = $1`,
    [appName],
  );
  return res.rows[0];
}
