import type { common, scaler } from '@autoserve/proto';
import { checkNumber, invalidArgument } from '@autoserve/runtime';
import { jsonOrNull, optional, required, strings, trailChange, trailColumns } from './fields.js';

export function processingColumns(r: common.RemediationProcessing | undefined, f = 'record') {
  if (!r) throw invalidArgument(f, 'is required');
  return {
    name: required(`${f}.name`, r.name, 255),
    namespace: required(`${f}.namespace`, r.namespace, 255),
    remediation_request_ref: required(`${f}.remediation_request_ref`, r.remediationRequestRef, 255),
    enriched_context: jsonOrNull(r.enrichedContext),
    context_quality: checkNumber(`${f}.context_quality`, r.contextQuality, 0, 1),
    missing_data_fields: strings(`${f}.missing_data_fields`, r.missingDataFields, 256, 255),
    phase: optional(`${f}.phase`, r.phase, 50) ?? 'Pending',
    ...trailColumns(f, r),
  };
}

export function processingChange(req: scaler.UpdateRemediationProcessingRequest) {
  const change: Record<string, unknown> = {};
  if (req.phase !== undefined) change.phase = required('phase', req.phase, 50);
  Object.assign(change, trailChange(req));
  if (req.contextQuality !== undefined) {
    change.context_quality = checkNumber('context_quality', req.contextQuality, 0, 1);
  }
  return change;
}
