import type { WorkflowExecutionSchema } from '@autoserve/proto/common/v1';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { type AuditTrailRow, auditTrailOf } from './audit-trail.js';
import { boolOf, enumOf, idOf, numberOf, type Row, textOf, timeOf } from './columns.js';
import { workflowPhaseCodec } from './enums.js';
import { unprefixed } from './prefixed.js';

/** A workflow_executions row as node-postgres returns it. */
export interface WorkflowExecutionRow extends AuditTrailRow {
  id: string;
  name: string;
  namespace: string;
  remediation_request_ref: string;
  ai_analysis_ref: string | null;
  workflow_name: string;
  is_auto_approved: boolean | null;
  requires_approval: boolean | null;
  current_step: number | null;
  step_count: number;
  completed_count: number | null;
  failed_count: number | null;
  skipped_count: number | null;
  phase: string | null;
  paused_at: Date | null;
}

/** The columns toWorkflowExecution reads. */
export const WORKFLOW_COLUMNS = [
  'id',
  'name',
  'namespace',
  'remediation_request_ref',
  'ai_analysis_ref',
  'workflow_name',
  'is_auto_approved',
  'requires_approval',
  'current_step',
  'step_count',
  'completed_count',
  'failed_count',
  'skipped_count',
  'phase',
  'message',
  'created_at',
  'started_at',
  'completed_at',
  'paused_at',
  'correlation_id',
] as const satisfies readonly (keyof WorkflowExecutionRow)[];

/** The one workflow_executions row -> WorkflowExecution mapper; `p` reads a join's prefix. */
export function toWorkflowExecution(
  row: WorkflowExecutionRow | Row,
  p = '',
): MessageInitShape<typeof WorkflowExecutionSchema> {
  const r = unprefixed(row, p, WORKFLOW_COLUMNS);
  const trail = auditTrailOf(r);
  return {
    id: idOf(r.id, 'id'),
    name: textOf(r.name, 'name'),
    namespace: textOf(r.namespace, 'namespace'),
    remediationRequestRef: textOf(r.remediation_request_ref, 'remediation_request_ref'),
    aiAnalysisRef: textOf(r.ai_analysis_ref, 'ai_analysis_ref'),
    workflowName: textOf(r.workflow_name, 'workflow_name'),
    isAutoApproved: boolOf(r.is_auto_approved, 'is_auto_approved'),
    requiresApproval: boolOf(r.requires_approval, 'requires_approval'),
    currentStep: numberOf(r.current_step, 'current_step'),
    stepCount: numberOf(r.step_count, 'step_count'),
    completedCount: numberOf(r.completed_count, 'completed_count'),
    failedCount: numberOf(r.failed_count, 'failed_count'),
    skippedCount: numberOf(r.skipped_count, 'skipped_count'),
    phase: enumOf(r.phase, 'phase', workflowPhaseCodec),
    pausedAt: timeOf(r.paused_at, 'paused_at'),
    message: trail.message,
    createdAt: trail.createdAt,
    startedAt: trail.startedAt,
    completedAt: trail.completedAt,
    correlationId: trail.correlationId,
  };
}
