import type { PolicyRow } from '../validation/policy.js';
import type { Db } from './db.js';

const POLICY_COLUMNS = `min_replicas, max_replicas, target_rps_per_replica, max_p95_latency_ms,
  max_cpu_percent, max_memory_percent, max_connections_per_replica, scale_out_threshold_pct,
  scale_in_threshold_pct, cooldown_seconds, evaluation_window_seconds, max_scale_out_step,
  max_scale_in_step, stabilization_window_seconds, cpu_weight, memory_weight, rps_weight,
  latency_weight, connection_weight, scale_up_tolerance, scale_down_tolerance,
  scale_up_stabilization_seconds, scale_down_stabilization_seconds, scale_up_policies,
  scale_down_policies, scale_up_select_policy, scale_down_select_policy,
  scale_to_zero_idle_seconds, activation_threshold, activation_metric, hpa_compatible`;

const ORDER = POLICY_COLUMNS.split(',').map((c) => c.trim()) as (keyof PolicyRow)[];

export type StoredPolicy = PolicyRow & { app_name: string; updated_at: Date };

/** Inserts or replaces an app's policy (every column, defaults already filled in). */
export async function upsertPolicy(db: Db, appName: string, p: PolicyRow): Promise<StoredPolicy> {
  const values = ORDER.map((k) =>
    k === 'scale_up_policies' || k === 'scale_down_policies' ? JSON.stringify(p[k]) : p[k],
  );
  const params = ORDER.map((_, i) => `$${i + 2}`).join(', ');
  const updates = ORDER.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  // The column list is the fixed constant above; only values are parameters.
  const res = await db.query<StoredPolicy>(
    `INSERT INTO scaling_policies (app_name, ${POLICY_COLUMNS}) VALUES ($1, ${params})
     ON CONFLICT (app_name) DO UPDATE SET ${updates}, updated_at = now()
     RETURNING app_name, updated_at, ${POLICY_COLUMNS}`,
    [appName, ...values],
  );
  return res.rows[0]!;
}

/** An app's policy, or undefined (callers fill the defaults). */
export async function maybeGetPolicy(db: Db, appName: string): Promise<StoredPolicy | undefined> {
  const res = await db.query<StoredPolicy>(
    `SELECT app_name, updated_at, ${POLICY_COLUMNS} FROM scaling_policies WHERE app_name = $1`,
    [appName],
  );
  return res.rows[0];
}

/** The policies of many apps by name; apps without one are absent (one control pass). */
export async function listPoliciesOfApps(
  db: Db,
  appNames: readonly string[],
): Promise<Map<string, StoredPolicy>> {
  const res = await db.query<StoredPolicy>(
    `SELECT app_name, updated_at, ${POLICY_COLUMNS} FROM scaling_policies
      WHERE app_name = ANY ($1)`,
    [appNames],
  );
  return new Map(res.rows.map((r) => [r.app_name, r]));
}
