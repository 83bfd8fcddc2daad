import type { common, scaler } from '@autoserve/proto';
import { checkInt, invalidArgument } from '@autoserve/runtime';
import { workflowPhaseCodec } from '../validation/enums.js';
import { optional, optionalDate, required, trailChange, trailColumns } from './fields.js';

function phaseText(field: string, phase: number): string | undefined {
  if (phase === 0) return undefined;
  const text = workflowPhaseCodec.toDb(phase);
  if (!text) throw invalidArgument(field, 'must be a known phase');
  return text;
}

const count = (field: string, v: number) => checkInt(field, v, 0, 1_000_000);

export function workflowColumns(r: common.WorkflowExecution | undefined, f = 'record') {
  if (!r) throw invalidArgument(f, 'is required');
  return {
    name: required(`${f}.name`, r.name, 255),
    namespace: required(`${f}.namespace`, r.namespace, 255),
    remediation_request_ref: required(`${f}.remediation_request_ref`, r.remediationRequestRef, 255),
    ai_analysis_ref: optional(`${f}.ai_analysis_ref`, r.aiAnalysisRef, 255),
    workflow_name: required(`${f}.workflow_name`, r.workflowName, 255),
    is_auto_approved: r.isAutoApproved,
    requires_approval: r.requiresApproval,
    current_step: count(`${f}.current_step`, r.currentStep),
    step_count: checkInt(`${f}.step_count`, r.stepCount, 1, 1_000_000),
    completed_count: count(`${f}.completed_count`, r.completedCount),
    failed_count: count(`${f}.failed_count`, r.failedCount),
    skipped_count: count(`${f}.skipped_count`, r.skippedCount),
    phase: phaseText(`${f}.phase`, r.phase) ?? 'Pending',
    ...trailColumns(f, r),
    paused_at: optionalDate(`${f}.paused_at`, r.pausedAt),
  };
}

export function workflowChange(req: scaler.UpdateWorkflowExecutionRequest) {
  const change: Record<string, unknown> = {};
  const phase = phaseText('phase', req.phase);
  if (phase) change.phase = phase;
  Object.assign(change, trailChange(req));
  if (req.currentStep !== undefined) change.current_step = count('current_step', req.currentStep);
  if (req.completedCount !== undefined)
    change.completed_count = count('completed_count', req.completedCount);
  if (req.failedCount !== undefined) change.failed_count = count('failed_count', req.failedCount);
  if (req.skippedCount !== undefined)
    change.skipped_count = count('skipped_count', req.skippedCount);
  if (req.pausedAt) change.paused_at = optionalDate('paused_at', req.pausedAt);
  return change;
}
