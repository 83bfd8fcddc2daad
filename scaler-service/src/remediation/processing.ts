import type { common, scaler } from '@autoserve/proto';
import { checkNumber, invalidArgument } from '@autoserve/runtime';
import type { JsonObject } from '@bufbuild/protobuf';
import {
  jsonOrNull,
  optional,
  required,
  strings,
  trailChange,
  trailColumns,
  trailToProto,
} from './fields.js';

/** A remediation_processing row. */
export interface ProcessingRow {
  id: string;
  name: string;
  namespace: string;
  remediation_request_ref: string;
  enriched_context: JsonObject | null;
  context_quality: number | null;
  missing_data_fields: string[] | null;
  phase: string | null;
  message: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  correlation_id: string | null;
}

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

export function processingToProto(row: ProcessingRow) {
  return {
    id: BigInt(row.id),
    name: row.name,
    namespace: row.namespace,
    remediationRequestRef: row.remediation_request_ref,
    ...(row.enriched_context ? { enrichedContext: row.enriched_context } : {}),
    contextQuality: row.context_quality ?? 0,
    missingDataFields: row.missing_data_fields ?? [],
    phase: row.phase ?? '',
    ...trailToProto(row),
  };
}
