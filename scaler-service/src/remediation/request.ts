import type { common, scaler } from '@autoserve/proto';
import { checkStringMap, invalidArgument } from '@autoserve/runtime';
import { priorityCodec, remediationPhaseCodec } from '../validation/enums.js';
import { optional, required, trailChange, trailColumns } from './fields.js';

function phaseText(field: string, phase: number): string | undefined {
  if (phase === 0) return undefined;
  const text = remediationPhaseCodec.toDb(phase);
  if (!text) throw invalidArgument(field, 'must be a known phase');
  return text;
}

/** Validated columns of a new remediation request (phase defaults to Pending). */
export function requestColumns(r: common.RemediationRequest | undefined, f = 'record') {
  if (!r) throw invalidArgument(f, 'is required');
  if (r.priority !== 0 && !priorityCodec.toDb(r.priority)) {
    throw invalidArgument(`${f}.priority`, 'must be a known priority');
  }
  const labels = checkStringMap(`${f}.labels`, r.labels, {
    maxEntries: 64,
    keyMax: 255,
    valueMax: 1024,
  });
  return {
    name: required(`${f}.name`, r.name, 255),
    namespace: required(`${f}.namespace`, r.namespace, 255),
    signal_type: required(`${f}.signal_type`, r.signalType, 50),
    signal_name: required(`${f}.signal_name`, r.signalName, 255),
    signal_namespace: required(`${f}.signal_namespace`, r.signalNamespace, 255),
    target_type: required(`${f}.target_type`, r.targetType, 100),
    target_name: required(`${f}.target_name`, r.targetName, 255),
    target_namespace: required(`${f}.target_namespace`, r.targetNamespace, 255),
    environment: optional(`${f}.environment`, r.environment, 50),
    priority: priorityCodec.toDb(r.priority) ?? null,
    fingerprint: optional(`${f}.fingerprint`, r.fingerprint, 255),
    phase: phaseText(`${f}.phase`, r.phase) ?? 'Pending',
    ...trailColumns(f, r),
    reason: optional(`${f}.reason`, r.reason, 255),
    labels: Object.keys(labels).length > 0 ? JSON.stringify(labels) : null,
  };
}

/** Columns an UpdateRemediationRequest changes (only the fields it sets). */
export function requestChange(req: scaler.UpdateRemediationRequestRequest) {
  const change: Record<string, unknown> = {};
  const phase = phaseText('phase', req.phase);
  if (phase) change.phase = phase;
  Object.assign(change, trailChange(req));
  if (req.reason !== undefined) change.reason = optional('reason', req.reason, 255);
  return change;
}
