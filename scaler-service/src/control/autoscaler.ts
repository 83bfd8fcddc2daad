import { randomUUID } from 'node:crypto';
import { type Deadline, recordScalingDecision, withTx } from '@autoserve/runtime';
import { isLiveInstance } from '@autoserve/runtime/model';
import type pg from 'pg';
import { ENGINE_OPTIONS } from '../decision/defaults.js';
import { type EngineBase, evaluateWithHistory, horizonOf } from '../decision/history.js';
import type { Decision, Policy } from '../decision/types.js';
import { type AppRow, maybeGetApp, updateApp } from '../queries/apps.js';
import type { Db } from '../queries/db.js';
import { sqlHistoryStore } from '../queries/decisions.js';
import {
  type EngineMetrics,
  getEngineMetrics,
  type MetricsRequest,
} from '../queries/engine-metrics.js';
import { insertEvent } from '../queries/events.js';
import { type InstanceState, listAppInstances } from '../queries/instances.js';
import { maybeGetPolicy } from '../queries/policies.js';
import { insertAction } from '../queries/remediation-actions.js';
import { toEnginePolicy } from './policy.js';
import { evaluateRecorded } from './recorded-evaluation.js';

const DEFAULT_LEAD_S = ENGINE_OPTIONS.predictiveLeadSeconds;

/** What the metric windows are read over for an app under its policy. */
export function metricsRequest(appName: string, policy: Policy): MetricsRequest {
  return {
    appName,
    windowSeconds: policy.evaluationWindowSeconds,
    lookbackSeconds: Math.max(600, policy.scaleToZeroIdleSeconds),
    activation: policy.activationMetric,
  };
}

/**
 * The engine input of an app except its history, from what was read:
 * replicas (the desired count, as the HPA's scale subresource), instance
 * readiness, metric windows, and the measured start-up time as the lead.
 */
export function baseFrom(
  app: AppRow,
  policy: Policy,
  rows: readonly InstanceState[],
  m: EngineMetrics,
  now: number,
): EngineBase {
  const live = rows.filter(isLiveInstance);
  const startups = rows
    .filter((r) => r.ready_at && r.started_at)
    .map((r) => (r.ready_at!.getTime() - r.started_at!.getTime()) / 1000);
  const lead = startups.length
    ? Math.min(60, Math.max(1, startups.reduce((a, b) => a + b, 0) / startups.length))
    : DEFAULT_LEAD_S;
  const floor = Math.max(app.created_at.getTime(), app.last_scaled_at?.getTime() ?? 0);
  return {
    appName: app.name,
    policy,
    currentReplicas: app.desired_replicas,
    instances: live.map((r) => ({
      id: r.id,
      ready: r.status === 'running' && r.health_status === 'healthy',
    })),
    metrics: m.metrics,
    reported: m.reported,
    ...(m.activationValue !== undefined ? { activationValue: m.activationValue } : {}),
    lastActiveAt: Math.max(m.lastActiveAt ?? 0, floor),
    now,
    options: { ...ENGINE_OPTIONS, predictiveLeadSeconds: Math.round(lead) },
  };
}

/** Everything the engine needs about one app at `now` except its history, read in `db`. */
export async function gatherBase(db: Db, app: AppRow, now: number): Promise<EngineBase> {
  const policy = toEnginePolicy(await maybeGetPolicy(db, app.name));
  const rows = await listAppInstances(db, app.name);
  const m = await getEngineMetrics(db, metricsRequest(app.name, policy));
  return baseFrom(app, policy, rows, m, now);
}

/** The app's evaluation without acting or recording (ExplainScaling). */
export async function explainApp(db: Db, app: AppRow, now: number): Promise<Decision> {
  const base = await gatherBase(db, app, now);
  const view = await sqlHistoryStore(db).load(
    app.name,
    horizonOf(base.policy, now),
    app.last_scaled_at?.getTime(),
  );
  return evaluateWithHistory(view, base, false).decision;
}

function workflowOf(d: Decision): { workflow: string; signal: string } {
  const metric = (d.winningMetric ?? 'load').replace(/_percent|_p95/, '').toUpperCase();
  if (d.currentReplicas === 0) return { workflow: 'activate', signal: 'Activation' };
  if (d.desiredReplicas === 0) return { workflow: 'scale-to-zero', signal: 'Idle' };
  return d.action === 'scale_up'
    ? { workflow: 'scale-out', signal: `High${metric}` }
    : { workflow: 'scale-in', signal: `Low${metric}` };
}

/** How an acting transaction is bounded and fenced (the control store's; none in tests). */
export interface ActOptions {
  deadline?: Deadline;
  /** Throws unless this process still leads; runs first in the acting transaction. */
  fence?: (tx: pg.ClientBase) => Promise<void>;
}

/**
 * Evaluates an auto-mode app and, when the decision changes the replica
 * count, acts in one transaction: the new desired count (the reconciler
 * converges to it), the decision row, remediation history (request,
 * workflow, execution under one correlation id; outcome filled in later) and
 * a scaling event with the proposals, the winning metric and the limiting
 * rule. A non-acting evaluation is recorded for the stabilization window.
 */
export async function evaluateAndAct(
  pool: pg.Pool,
  name: string,
  now: number,
  acting: ActOptions = {},
): Promise<Decision | undefined> {
  return withTx(pool, { ...(acting.deadline ? { deadline: acting.deadline } : {}) }, async (tx) => {
    await acting.fence?.(tx);
    const app = await maybeGetApp(tx, name, true);
    if (!app) return undefined;
    const base = await gatherBase(tx, app, now);
    const { decision: d, acted: act } = await evaluateRecorded(
      sqlHistoryStore(tx),
      base,
      app.last_scaled_at?.getTime(),
      app.mode === 'auto',
    );
    recordScalingDecision(d.action, decisionReason(d));
    if (!act) return d;
    await updateApp(tx, name, { desiredReplicas: d.desiredReplicas, lastScaledAt: new Date(now) });
    const { workflow, signal } = workflowOf(d);
    const correlationId = randomUUID();
    const message = `${d.action === 'scale_up' ? 'scale out' : 'scale in'} ${d.currentReplicas} -> ${d.desiredReplicas}${
      d.winningMetric ? ` on ${d.winningMetric}` : ''
    }${d.limitedBy ? ` (limited by ${d.limitedBy})` : ''}`;
    await insertAction(tx, {
      correlationId,
      appName: name,
      workflow,
      signalName: signal,
      actionType: 'scale',
      actionData: {
        from: d.currentReplicas,
        to: d.desiredReplicas,
        winning_metric: d.winningMetric ?? null,
      },
      message,
      target: d.desiredReplicas,
    });
    await insertEvent(tx, {
      type: 'scaling',
      category: 'performance',
      appName: name,
      message: `app ${name}: ${message}`,
      details: {
        from: d.currentReplicas,
        to: d.desiredReplicas,
        recommended: d.recommendedReplicas,
        winning_metric: d.winningMetric ?? null,
        limited_by: d.limitedBy || null,
        proposals: d.proposals as unknown as Record<string, unknown>[],
        reasons: d.reasons,
        correlation_id: correlationId,
      } as Record<string, unknown>,
      source: 'autoscaler',
    });
    return { ...d };
  });
}

/**
 * A bounded label for the decisions counter: the rule that limited the
 * decision ("stabilization", "cooldown", "max_replicas", "rate"), else the
 * winning metric, else "none".
 */
export function decisionReason(d: Decision): string {
  if (d.limitedBy) return d.limitedBy.split(/[\s(]/)[0]!.toLowerCase();
  return d.winningMetric ?? 'none';
}
