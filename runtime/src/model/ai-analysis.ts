import type { AiAnalysisSchema } from '@autoserve/proto/common/v1';
import type { JsonObject, MessageInitShape } from '@bufbuild/protobuf';
import { type AuditTrailRow, auditTrailOf } from './audit-trail.js';
import { boolOf, idOf, jsonObjectOf, numberOf, type Row, textOf } from './columns.js';
import { durationOfSeconds } from './time.js';

/** An ai_analysis row as node-postgres returns it. */
export interface AiAnalysisRow extends AuditTrailRow {
  id: string;
  name: string;
  namespace: string;
  remediation_request_ref: string;
  signal_type: string | null;
  signal_context: JsonObject | null;
  llm_provider: string | null;
  llm_model: string | null;
  temperature: number | null;
  root_cause: string | null;
  confidence: number | null;
  recommended_action: string | null;
  requires_approval: boolean | null;
  investigation_id: string | null;
  tokens_used: number | null;
  investigation_time_seconds: number | null;
  phase: string | null;
}

/**
 * The one ai_analysis row -> AiAnalysis mapper of both services. The Scaler stores 0 for an
 * unset investigation time, so NULL (seeded rows only) reads as an unset Duration: "unknown",
 * not "took no time".
 */
export function toAnalysis(row: AiAnalysisRow | Row): MessageInitShape<typeof AiAnalysisSchema> {
  const r = row as Row;
  const trail = auditTrailOf(r);
  return {
    id: idOf(r.id, 'id'),
    name: textOf(r.name, 'name'),
    namespace: textOf(r.namespace, 'namespace'),
    remediationRequestRef: textOf(r.remediation_request_ref, 'remediation_request_ref'),
    phase: textOf(r.phase, 'phase'),
    signalType: textOf(r.signal_type, 'signal_type'),
    signalContext: jsonObjectOf(r.signal_context, 'signal_context'),
    llmProvider: textOf(r.llm_provider, 'llm_provider'),
    llmModel: textOf(r.llm_model, 'llm_model'),
    temperature: numberOf(r.temperature, 'temperature'),
    rootCause: textOf(r.root_cause, 'root_cause'),
    confidence: numberOf(r.confidence, 'confidence'),
    recommendedAction: textOf(r.recommended_action, 'recommended_action'),
    requiresApproval: boolOf(r.requires_approval, 'requires_approval'),
    investigationId: textOf(r.investigation_id, 'investigation_id'),
    tokensUsed: numberOf(r.tokens_used, 'tokens_used'),
    investigationTime:
      r.investigation_time_seconds == null
        ? undefined
        : durationOfSeconds(numberOf(r.investigation_time_seconds, 'investigation_time_seconds')),
    message: trail.message,
    createdAt: trail.createdAt,
    startedAt: trail.startedAt,
    completedAt: trail.completedAt,
    correlationId: trail.correlationId,
  };
}
