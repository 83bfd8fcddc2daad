import type { common, scaler } from '@autoserve/proto';
import { invalidArgument } from '@autoserve/runtime';
import type { JsonObject } from '@bufbuild/protobuf';
import { actionResultCodec } from '../validation/enums.js';
import {
  jsonOrNull,
  optional,
  optionalDate,
  required,
  strings,
  trailChange,
  trailColumns,
  trailToProto,
  ts,
} from './fields.js';

/** A kubernetes_executions row (ActionExecution in the contract). */
export interface ActionRow {
  id: string;
  name: string;
  namespace: string;
  workflow_execution_ref: string;
  step_name: string | null;
  action_type: string;
  action_data: JsonObject | null;
  target_type: string;
  target_name: string;
  target_namespace: string;
  enable_dry_run: boolean | null;
  enable_validation: boolean | null;
  enable_rollback: boolean | null;
  action_result: string | null;
  resource_version: string | null;
  previous_version: string | null;
  dry_run_result: string | null;
  validation_result: string | null;
  validation_warnings: string[] | null;
  is_rolled_back: boolean | null;
  rollback_reason: string | null;
  phase: string | null;
  message: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  rolled_back_at: Date | null;
  correlation_id: string | null;
}

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

export function actionToProto(row: ActionRow) {
  return {
    id: BigInt(row.id),
    name: row.name,
    namespace: row.namespace,
    workflowExecutionRef: row.workflow_execution_ref,
    stepName: row.step_name ?? '',
    actionType: row.action_type,
    ...(row.action_data ? { actionData: row.action_data } : {}),
    targetType: row.target_type,
    targetName: row.target_name,
    targetNamespace: row.target_namespace,
    enableDryRun: row.enable_dry_run ?? false,
    enableValidation: row.enable_validation ?? false,
    enableRollback: row.enable_rollback ?? false,
    actionResult: actionResultCodec.fromDb(row.action_result),
    resourceVersion: row.resource_version ?? '',
    previousVersion: row.previous_version ?? '',
    dryRunResult: row.dry_run_result ?? '',
    validationResult: row.validation_result ?? '',
    validationWarnings: row.validation_warnings ?? [],
    isRolledBack: row.is_rolled_back ?? false,
    rollbackReason: row.rollback_reason ?? '',
    phase: row.phase ?? '',
    ...trailToProto(row),
    ...ts('rolledBackAt', row.rolled_back_at),
  };
}
