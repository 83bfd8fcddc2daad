import type { common, scaler } from '@autoserve/proto';
import { invalidArgument } from '@autoserve/runtime';
import { actionResultCodec } from '../validation/enums.js';
import {
  jsonOrNull,
  optional,
  optionalDate,
  required,
  strings,
  trailChange,
  trailColumns,
} from './fields.js';

function resultText(field: string, v: number): string | null {
  if (v === 0) return null;
  const text = actionResultCodec.toDb(v);
  if (!text) throw invalidArgument(field, 'must be a known result');
  return text;
}

export function actionColumns(r: common.ActionExecution | undefined, f = 'record') {
  if (!r) throw invalidArgument(f, 'is required');
  return {
    name: required(`${f}.name`, r.name, 255),
    namespace: required(`${f}.namespace`, r.namespace, 255),
    workflow_execution_ref: required(`${f}.workflow_execution_ref`, r.workflowExecutionRef, 255),
    step_name: optional(`${f}.step_name`, r.stepName, 255),
    action_type: required(`${f}.action_type`, r.actionType, 50),
    action_data: jsonOrNull(r.actionData),
    target_type: required(`${f}.target_type`, r.targetType, 100),
    target_name: required(`${f}.target_name`, r.targetName, 255),
    target_namespace: required(`${f}.target_namespace`, r.targetNamespace, 255),
    enable_dry_run: r.enableDryRun,
    enable_validation: r.enableValidation,
    enable_rollback: r.enableRollback,
    action_result: resultText(`${f}.action_result`, r.actionResult),
    resource_version: optional(`${f}.resource_version`, r.resourceVersion, 100),
    previous_version: optional(`${f}.previous_version`, r.previousVersion, 100),
    dry_run_result: optional(`${f}.dry_run_result`, r.dryRunResult, 65_536),
    validation_result: optional(`${f}.validation_result`, r.validationResult, 65_536),
    validation_warnings: strings(`${f}.validation_warnings`, r.validationWarnings, 256, 4096),
    is_rolled_back: r.isRolledBack,
    rollback_reason: optional(`${f}.rollback_reason`, r.rollbackReason, 65_536),
    phase: optional(`${f}.phase`, r.phase, 50) ?? 'Pending',
    ...trailColumns(f, r),
    rolled_back_at: optionalDate(`${f}.rolled_back_at`, r.rolledBackAt),
  };
}

export function actionChange(req: scaler.UpdateActionExecutionRequest) {
  const change: Record<string, unknown> = {};
  if (req.phase !== undefined) change.phase = required('phase', req.phase, 50);
  Object.assign(change, trailChange(req));
  const result = resultText('action_result', req.actionResult);
  if (result) change.action_result = result;
  if (req.resourceVersion !== undefined) {
    change.resource_version = optional('resource_version', req.resourceVersion, 100);
  }
  if (req.isRolledBack !== undefined) change.is_rolled_back = req.isRolledBack;
  if (req.rollbackReason !== undefined) {
    change.rollback_reason = optional('rollback_reason', req.rollbackReason, 65_536);
  }
  if (req.rolledBackAt) change.rolled_back_at = optionalDate('rolled_back_at', req.rolledBackAt);
  return change;
}
