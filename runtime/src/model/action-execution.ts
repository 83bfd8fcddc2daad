import type { ActionExecutionSchema } from '@autoserve/proto/common/v1';
import type { JsonObject, MessageInitShape } from '@bufbuild/protobuf';
import { type AuditTrailRow, auditTrailOf } from './audit-trail.js';
import {
  boolOf,
  enumOf,
  idOf,
  jsonObjectOf,
  type Row,
  stringsOf,
  textOf,
  timeOf,
} from './columns.js';
import { actionResultCodec } from './enums.js';

/** A kubernetes_executions row (ActionExecution in the contract) as node-postgres returns it. */
export interface ActionExecutionRow extends AuditTrailRow {
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
  rolled_back_at: Date | null;
}

/** The one kubernetes_executions row -> ActionExecution mapper of both services. */
export function toAction(
  row: ActionExecutionRow | Row,
): MessageInitShape<typeof ActionExecutionSchema> {
  const r = row as Row;
  const trail = auditTrailOf(r);
  return {
    id: idOf(r.id, 'id'),
    name: textOf(r.name, 'name'),
    namespace: textOf(r.namespace, 'namespace'),
    workflowExecutionRef: textOf(r.workflow_execution_ref, 'workflow_execution_ref'),
    stepName: textOf(r.step_name, 'step_name'),
    actionType: textOf(r.action_type, 'action_type'),
    actionData: jsonObjectOf(r.action_data, 'action_data'),
    targetType: textOf(r.target_type, 'target_type'),
    targetName: textOf(r.target_name, 'target_name'),
    targetNamespace: textOf(r.target_namespace, 'target_namespace'),
    enableDryRun: boolOf(r.enable_dry_run, 'enable_dry_run'),
    enableValidation: boolOf(r.enable_validation, 'enable_validation'),
    enableRollback: boolOf(r.enable_rollback, 'enable_rollback'),
    actionResult: enumOf(r.action_result, 'action_result', actionResultCodec),
    resourceVersion: textOf(r.resource_version, 'resource_version'),
    previousVersion: textOf(r.previous_version, 'previous_version'),
    dryRunResult: textOf(r.dry_run_result, 'dry_run_result'),
    validationResult: textOf(r.validation_result, 'validation_result'),
    validationWarnings: stringsOf(r.validation_warnings, 'validation_warnings'),
    isRolledBack: boolOf(r.is_rolled_back, 'is_rolled_back'),
    rollbackReason: textOf(r.rollback_reason, 'rollback_reason'),
    phase: textOf(r.phase, 'phase'),
    rolledBackAt: timeOf(r.rolled_back_at, 'rolled_back_at'),
    message: trail.message,
    createdAt: trail.createdAt,
    startedAt: trail.startedAt,
    completedAt: trail.completedAt,
    correlationId: trail.correlationId,
  };
}
