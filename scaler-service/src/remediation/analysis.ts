import type { common, scaler } from '@autoserve/proto';
import { checkNumber, durationSeconds, invalidArgument } from '@autoserve/runtime';
import { jsonOrNull, optional, required, trailChange, trailColumns } from './fields.js';

export function analysisColumns(r: common.AiAnalysis | undefined, f = 'record') {
  if (!r) throw invalidArgument(f, 'is required');
  if (!Number.isInteger(r.tokensUsed) || r.tokensUsed < 0) {
    throw invalidArgument(`${f}.tokens_used`, 'must be >= 0');
  }
  return {
    name: required(`${f}.name`, r.name, 255),
    namespace: required(`${f}.namespace`, r.namespace, 255),
    remediation_request_ref: required(`${f}.remediation_request_ref`, r.remediationRequestRef, 255),
    signal_type: optional(`${f}.signal_type`, r.signalType, 50),
    signal_context: jsonOrNull(r.signalContext),
    llm_provider: optional(`${f}.llm_provider`, r.llmProvider, 50),
    llm_model: optional(`${f}.llm_model`, r.llmModel, 100),
    temperature: checkNumber(`${f}.temperature`, r.temperature, 0, 2),
    root_cause: optional(`${f}.root_cause`, r.rootCause, 65_536),
    confidence: checkNumber(`${f}.confidence`, r.confidence, 0, 1),
    recommended_action: optional(`${f}.recommended_action`, r.recommendedAction, 65_536),
    requires_approval: r.requiresApproval,
    investigation_id: optional(`${f}.investigation_id`, r.investigationId, 255),
    tokens_used: r.tokensUsed,
    investigation_time_seconds: durationSeconds(
      `${f}.investigation_time`,
      r.investigationTime && { ...r.investigationTime, nanos: 0 },
      0,
      0,
      2_147_483_647,
    ),
    phase: optional(`${f}.phase`, r.phase, 50) ?? 'Pending',
    ...trailColumns(f, r),
  };
}

export function analysisChange(req: scaler.UpdateAiAnalysisRequest) {
  const change: Record<string, unknown> = {};
  if (req.phase !== undefined) change.phase = required('phase', req.phase, 50);
  Object.assign(change, trailChange(req));
  if (req.rootCause !== undefined)
    change.root_cause = optional('root_cause', req.rootCause, 65_536);
  if (req.confidence !== undefined)
    change.confidence = checkNumber('confidence', req.confidence, 0, 1);
  if (req.recommendedAction !== undefined) {
    change.recommended_action = optional('recommended_action', req.recommendedAction, 65_536);
  }
  return change;
}
