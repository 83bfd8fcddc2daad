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
  return {
    id: idOf(r, 'id'),
    name: textOf(r, 'name'),
    namespace: textOf(r, 'namespace'),
    remediationRequestRef: textOf(r, 'remediation_request_ref'),
    signalType: textOf(r, 'signal_type'),
    signalContext: jsonObjectOf(r, 'signal_context'),
    llmProvider: textOf(r, 'llm_provider'),
    llmModel: textOf(r, 'llm_model'),
    temperature: numberOf(r, 'temperature'),
    rootCause: textOf(r, 'root_cause'),
    confidence: numberOf(r, 'confidence'),
    recommendedAction: textOf(r, 'recommended_action'),
    requiresApproval: boolOf(r, 'requires_approval'),
    investigationId: textOf(r, 'investigation_id'),
    tokensUsed: numberOf(r, 'tokens_used'),
    investigationTime:
      r.investigation_time_seconds == null
        ? undefined
        : durationOfSeconds(numberOf(r, 'investigation_time_seconds')),
    phase: textOf(r, 'phase'),
    ...auditTrailOf(r),
  };
}
