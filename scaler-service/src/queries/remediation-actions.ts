import type { Db } from './db.js';

/** Namespace of the Scaler's own remediation records. */
export const NAMESPACE = 'autoserve';

/** One action of the control loop, recorded as remediation history. */
export interface ActionRecord {
  correlationId: string;
  appName: string;
  /** 'scale-out', 'scale-in', 'replace-instance', 'scale-to-zero', 'activate'. */
  workflow: string;
  /** Signal that triggered it: 'HighLatency', 'HighCPU', 'InstanceCrashed', ... */
  signalName: string;
  /** Kubernetes-style action type: 'scale' or 'replace'. */
  actionType: string;
  actionData: Record<string, unknown>;
  message: string;
  /** Labels the outcome check reads back: kind + target replica count. */
  target: number;
}

/**
 * Writes the request, workflow execution and action execution of one action
 * in the caller's transaction (the same one as the state change), all
 * Processing / Executing until the outcome is known. Names are derived from
 * the correlation id, which ties the three records together.
 */
export async function insertAction(db: Db, a: ActionRecord): Promise<void> {
  const name = `${a.appName}-${a.workflow}-${a.correlationId.slice(0, 8)}`;
  await db.query(
    `INSERT INTO remediation_requests (name, namespace, signal_type, signal_name, signal_namespace,
       target_type, target_name, target_namespace, priority, phase, message, started_at,
       correlation_id, labels)
     VALUES ($1, $2, 'autoserve', $3, $2, 'app', $4, $2, 'P2', 'Processing', $5, now(), $6, $7)`,
    [
      name,
      NAMESPACE,
      a.signalName,
      a.appName,
      a.message,
      a.correlationId,
      JSON.stringify({ workflow: a.workflow, target: String(a.target) }),
    ],
  );
  await db.query(
    `INSERT INTO workflow_executions (name, namespace, remediation_request_ref, workflow_name,
       is_auto_approved, requires_approval, current_step, step_count, phase, message, started_at,
       correlation_id)
     VALUES ($1, $2, $3, $4, true, false, 0, 1, 'Executing', $5, now(), $6)`,
    [`${name}-wf`, NAMESPACE, name, a.workflow, a.message, a.correlationId],
  );
  await db.query(
    `INSERT INTO kubernetes_executions (name, namespace, workflow_execution_ref, step_name,
       action_type, action_data, target_type, target_name, target_namespace, enable_dry_run,
       phase, message, started_at, correlation_id)
     VALUES ($1, $2, $3, $4, $5, $6, 'app', $7, $2, false, 'Running', $8, now(), $9)`,
    [
      `${name}-exec`,
      NAMESPACE,
      `${name}-wf`,
      a.workflow,
      a.actionType,
      JSON.stringify(a.actionData),
      a.appName,
      a.message,
      a.correlationId,
    ],
  );
}

/** An action whose outcome is not known yet. */
export interface PendingAction {
  correlation_id: string;
  workflow: string;
  target: number;
  created_at: Date;
}

/** The app's actions still Processing, oldest first. */
export async function listPendingActions(db: Db, appName: string): Promise<PendingAction[]> {
  const res = await db.query<PendingAction>(
    `SELECT correlation_id, labels->>'workflow' AS workflow, (labels->>'target')::int AS target,
            created_at
       FROM remediation_requests
      WHERE namespace = $1 AND target_type = 'app' AND target_name = $2
        AND signal_type = 'autoserve' AND phase = 'Processing'
        AND created_at > now() - interval '1 day'
      ORDER BY created_at`,
    [NAMESPACE, appName],
  );
  return res.rows;
}

/** Whether each of many apps has an action still in progress (one control pass). */
export async function listAppsWithPendingActions(
  db: Db,
  appNames: readonly string[],
): Promise<Set<string>> {
  const res = await db.query<{ target_name: string }>(
    `SELECT DISTINCT target_name FROM remediation_requests
      WHERE namespace = $1 AND target_type = 'app' AND target_name = ANY ($2)
        AND signal_type = 'autoserve' AND phase = 'Processing'
        AND created_at > now() - interval '1 day'`,
    [NAMESPACE, appNames],
  );
  return new Set(res.rows.map((r) => r.target_name));
}

/** Fills in the outcome of all three records of one action. */
export async function updateActionOutcome(
  db: Db,
  correlationId: string,
  ok: boolean,
  message: string,
): Promise<void> {
  await db.query(
    `UPDATE remediation_requests SET phase = $2, message = $3, reason = $4, completed_at = now()
      WHERE correlation_id = $1 AND namespace = $5 AND phase = 'Processing'`,
    [
      correlationId,
      ok ? 'Completed' : 'Failed',
      message,
      ok ? null : 'OutcomeNotReached',
      NAMESPACE,
    ],
  );
  await db.query(
    `UPDATE workflow_executions SET phase = $2, message = $3, completed_at = now(), current_step = 1,
            completed_count = $4, failed_count = $5
      WHERE correlation_id = $1 AND namespace = $6`,
    [correlationId, ok ? 'Completed' : 'Failed', message, ok ? 1 : 0, ok ? 0 : 1, NAMESPACE],
  );
  await db.query(
    `UPDATE kubernetes_executions SET phase = $2, message = $3, action_result = $4,
            completed_at = now()
      WHERE correlation_id = $1 AND namespace = $5`,
    [correlationId, ok ? 'Completed' : 'Failed', message, ok ? 'success' : 'failure', NAMESPACE],
  );
}
