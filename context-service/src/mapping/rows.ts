import type {
  ActionExecutionSchema,
  AiAnalysisSchema,
  EventSchema,
  IncidentSchema,
  RemediationProcessingSchema,
  RemediationRequestSchema,
  WorkflowExecutionSchema,
} from '@autoserve/proto/common/v1';
import type { JsonObject, MessageInitShape } from '@bufbuild/protobuf';
import {
  actionResult,
  eventCategory,
  eventType,
  priority,
  remediationPhase,
  severity,
  workflowPhase,
} from './enums.js';
import { durationOfSeconds, tsOf } from './time.js';

// Rows come either from node-postgres (bigint as string, timestamptz as Date) or from
// to_jsonb() (numbers, ISO text): these mappers accept both.
type Id = string | number | null;
type Ts = Date | string | null;
export type Row = Record<string, unknown>;

const id = (v: unknown): bigint => (v === null || v === undefined ? 0n : BigInt(v as Id as string));
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const bool = (v: unknown): boolean => v === true;
const ts = (v: unknown) => tsOf(v as Ts);
const obj = (v: unknown): JsonObject | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function labels(v: unknown): Record<string, string> {
  const o = obj(v);
  if (!o) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) {
    out[k] = typeof val === 'string' ? val : JSON.stringify(val);
  }
  return out;
}

/** The columns toRemediationRequest reads, for queries that select them under a prefix. */
export const REQUEST_COLUMNS = [
  'id',
  'name',
  'namespace',
  'signal_type',
  'signal_name',
  'signal_namespace',
  'target_type',
  'target_name',
  'target_namespace',
  'environment',
  'priority',
  'fingerprint',
  'phase',
  'message',
  'reason',
  'created_at',
  'started_at',
  'completed_at',
  'correlation_id',
  'labels',
] as const;

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
] as const;

/**
 * `alias.col AS prefixcol, ...` for a column list (constants, never request data): a join
 * selects only what the mapper reads, instead of to_jsonb() of whole rows, which the server
 * serialises and the client parses as JSON on every call.
 */
export function selectColumns(alias: string, prefix: string, columns: readonly string[]): string {
  return columns.map((c) => `${alias}.${c} AS ${prefix}${c}`).join(', ');
}

const prefixedNames = new Map<string, readonly string[]>();

/**
 * A view of a row's `prefix`-named columns under their own names ('' = the row itself). Reads
 * only the mapper's own columns: scanning every key of a 50-column join row, three times per
 * result, was a visible share of a similarity call's CPU.
 */
function unprefixed(row: Row, p: string, columns: readonly string[]): Row {
  if (!p) return row;
  const key = `${p}\0${columns[0]}`;
  let names = prefixedNames.get(key);
  if (!names) {
    names = columns.map((c) => `${p}${c}`);
    prefixedNames.set(key, names);
  }
  const out: Row = {};
  for (let i = 0; i < columns.length; i++) out[columns[i]!] = row[names[i]!];
  return out;
}

export function toRemediationRequest(
  row: Row,
  p = '',
): MessageInitShape<typeof RemediationRequestSchema> {
  const r = unprefixed(row, p, REQUEST_COLUMNS);
  return {
    id: id(r.id),
    name: str(r.name),
    namespace: str(r.namespace),
    signalType: str(r.signal_type),
    signalName: str(r.signal_name),
    signalNamespace: str(r.signal_namespace),
    targetType: str(r.target_type),
    targetName: str(r.target_name),
    targetNamespace: str(r.target_namespace),
    environment: str(r.environment),
    priority: priority.fromDb(r.priority as string | null),
    fingerprint: str(r.fingerprint),
    phase: remediationPhase.fromDb(r.phase as string | null),
    message: str(r.message),
    reason: str(r.reason),
    createdAt: ts(r.created_at),
    startedAt: ts(r.started_at),
    completedAt: ts(r.completed_at),
    correlationId: str(r.correlation_id),
    labels: labels(r.labels),
  };
}

export function toWorkflowExecution(
  row: Row,
  p = '',
): MessageInitShape<typeof WorkflowExecutionSchema> {
  const r = unprefixed(row, p, WORKFLOW_COLUMNS);
  return {
    id: id(r.id),
    name: str(r.name),
    namespace: str(r.namespace),
    remediationRequestRef: str(r.remediation_request_ref),
    aiAnalysisRef: str(r.ai_analysis_ref),
    workflowName: str(r.workflow_name),
    isAutoApproved: bool(r.is_auto_approved),
    requiresApproval: bool(r.requires_approval),
    currentStep: num(r.current_step),
    stepCount: num(r.step_count),
    completedCount: num(r.completed_count),
    failedCount: num(r.failed_count),
    skippedCount: num(r.skipped_count),
    phase: workflowPhase.fromDb(r.phase as string | null),
    message: str(r.message),
    createdAt: ts(r.created_at),
    startedAt: ts(r.started_at),
    completedAt: ts(r.completed_at),
    pausedAt: ts(r.paused_at),
    correlationId: str(r.correlation_id),
  };
}

export function toProcessing(r: Row): MessageInitShape<typeof RemediationProcessingSchema> {
  return {
    id: id(r.id),
    name: str(r.name),
    namespace: str(r.namespace),
    remediationRequestRef: str(r.remediation_request_ref),
    enrichedContext: obj(r.enriched_context),
    contextQuality: num(r.context_quality),
    missingDataFields: strings(r.missing_data_fields),
    phase: str(r.phase),
    message: str(r.message),
    createdAt: ts(r.created_at),
    startedAt: ts(r.started_at),
    completedAt: ts(r.completed_at),
    correlationId: str(r.correlation_id),
  };
}

export function toAnalysis(r: Row): MessageInitShape<typeof AiAnalysisSchema> {
  return {
    id: id(r.id),
    name: str(r.name),
    namespace: str(r.namespace),
    remediationRequestRef: str(r.remediation_request_ref),
    signalType: str(r.signal_type),
    signalContext: obj(r.signal_context),
    llmProvider: str(r.llm_provider),
    llmModel: str(r.llm_model),
    temperature: num(r.temperature),
    rootCause: str(r.root_cause),
    confidence: num(r.confidence),
    recommendedAction: str(r.recommended_action),
    requiresApproval: bool(r.requires_approval),
    investigationId: str(r.investigation_id),
    tokensUsed: num(r.tokens_used),
    investigationTime:
      r.investigation_time_seconds === null || r.investigation_time_seconds === undefined
        ? undefined
        : durationOfSeconds(num(r.investigation_time_seconds)),
    phase: str(r.phase),
    message: str(r.message),
    createdAt: ts(r.created_at),
    startedAt: ts(r.started_at),
    completedAt: ts(r.completed_at),
    correlationId: str(r.correlation_id),
  };
}

export function toAction(r: Row): MessageInitShape<typeof ActionExecutionSchema> {
  return {
    id: id(r.id),
    name: str(r.name),
    namespace: str(r.namespace),
    workflowExecutionRef: str(r.workflow_execution_ref),
    stepName: str(r.step_name),
    actionType: str(r.action_type),
    actionData: obj(r.action_data),
    targetType: str(r.target_type),
    targetName: str(r.target_name),
    targetNamespace: str(r.target_namespace),
    enableDryRun: bool(r.enable_dry_run),
    enableValidation: bool(r.enable_validation),
    enableRollback: bool(r.enable_rollback),
    actionResult: actionResult.fromDb(r.action_result as string | null),
    resourceVersion: str(r.resource_version),
    previousVersion: str(r.previous_version),
    dryRunResult: str(r.dry_run_result),
    validationResult: str(r.validation_result),
    validationWarnings: strings(r.validation_warnings),
    isRolledBack: bool(r.is_rolled_back),
    rollbackReason: str(r.rollback_reason),
    phase: str(r.phase),
    message: str(r.message),
    createdAt: ts(r.created_at),
    startedAt: ts(r.started_at),
    completedAt: ts(r.completed_at),
    rolledBackAt: ts(r.rolled_back_at),
    correlationId: str(r.correlation_id),
  };
}

/** An incident from incident_embeddings columns (prefixed, e.g. "ie_"). */
export function toIncident(r: Row, p = ''): MessageInitShape<typeof IncidentSchema> {
  return {
    id: id(r[`${p}id`]),
    remediationRequestId: id(r[`${p}remediation_request_id`]),
    namespace: str(r[`${p}namespace`]),
    targetType: str(r[`${p}target_type`]),
    targetName: str(r[`${p}target_name`]),
    signalType: str(r[`${p}signal_type`]),
    signalName: str(r[`${p}signal_name`]),
    rootCause: str(r[`${p}root_cause`]),
    remediationAction: str(r[`${p}remediation_action`]),
    phase: remediationPhase.fromDb(r[`${p}phase`] as string | null),
    embedder: str(r[`${p}embedder`]),
    createdAt: ts(r[`${p}created_at`]),
  };
}

export function toEvent(r: Row): MessageInitShape<typeof EventSchema> {
  return {
    id: id(r.id),
    type: eventType.fromDb(r.event_type as string),
    category: eventCategory.fromDb(r.event_category as string),
    appName: str(r.app_name),
    containerId: str(r.container_id),
    message: str(r.message),
    details: obj(r.details),
    severity: severity.fromDb(r.severity as string),
    time: ts(r.timestamp),
    source: str(r.source),
    nodeId: str(r.node_id),
  };
}
