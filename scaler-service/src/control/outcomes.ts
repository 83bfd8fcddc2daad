import { randomUUID } from 'node:crypto';
import type { AppRow } from '../queries/apps.js';
import type { InstanceRow } from '../queries/instances.js';
import type { AppObservation } from '../reconciler/reconcile.js';
import type { ControlStore, ControlTx } from './store.js';

const GROWING = new Set(['scale-out', 'activate', 'replace-instance']);

/** Remediation record of an instance replacement, in the caller's transaction. */
export async function recordReplacement(
  tx: ControlTx,
  app: AppRow,
  row: InstanceRow,
  signal: string,
): Promise<void> {
  await tx.insertAction({
    correlationId: randomUUID(),
    appName: app.name,
    workflow: 'replace-instance',
    signalName: signal,
    actionType: 'replace',
    actionData: {
      instance_id: row.id,
      replica_index: row.replica_index,
      container: row.container_name,
    },
    message: `replace instance ${row.id} (${row.container_name}): ${signal}`,
    target: app.desired_replicas,
  });
}

/**
 * Fills in the outcome of the app's pending actions from what the
 * reconciler observed: a scale-out, activation or replacement succeeded once
 * its target count of instances is healthy, a scale-in once no more than the
 * target runs; a runtime failure or the timeout fails it. An older pending
 * action is closed as superseded when a newer one exists. Each outcome also
 * writes a remediation event.
 */
export async function settleOutcomes(
  store: ControlStore,
  app: AppRow,
  obs: AppObservation & { total: number },
  timeoutMs: number,
  now: number,
): Promise<void> {
  const pending = await store.listPendingActions(app.name);
  for (const [i, p] of pending.entries()) {
    let result: { ok: boolean; message: string } | undefined;
    const age = now - p.created_at.getTime();
    if (i < pending.length - 1) {
      result = { ok: true, message: 'superseded by a later action' };
    } else if (GROWING.has(p.workflow) && obs.healthy >= p.target) {
      result = {
        ok: true,
        message: `${obs.healthy} healthy instance(s) after ${(age / 1000).toFixed(1)}s`,
      };
    } else if (!GROWING.has(p.workflow) && obs.total <= p.target) {
      result = { ok: true, message: `${obs.total} instance(s) after ${(age / 1000).toFixed(1)}s` };
    } else if (obs.failure && GROWING.has(p.workflow)) {
      result = { ok: false, message: `runtime failure: ${obs.failure.message}` };
    } else if (age > timeoutMs) {
      result = {
        ok: false,
        message: `timed out after ${Math.round(age / 1000)}s: ${obs.healthy} healthy, ${obs.total} running, target ${p.target}`,
      };
    }
    if (!result) continue;
    const r = result;
    await store.act(async (tx) => {
      await tx.updateActionOutcome(p.correlation_id, r.ok, r.message);
      await tx.insertEvent({
        type: 'remediation',
        appName: app.name,
        message: `${p.workflow} ${r.ok ? 'succeeded' : 'failed'}: ${r.message}`,
        details: {
          correlation_id: p.correlation_id,
          workflow: p.workflow,
          target: p.target,
          ok: r.ok,
        },
        severity: r.ok ? 'info' : 'warning',
        source: 'autoscaler',
      });
    });
  }
}
