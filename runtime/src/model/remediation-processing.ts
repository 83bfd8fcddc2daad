import type { RemediationProcessingSchema } from '@autoserve/proto/common/v1';
import type { JsonObject, MessageInitShape } from '@bufbuild/protobuf';
import { type AuditTrailRow, auditTrailOf } from './audit-trail.js';
import { idOf, jsonObjectOf, numberOf, type Row, stringsOf, textOf } from './columns.js';

/** A remediation_processing row as node-postgres returns it. */
export interface RemediationProcessingRow extends AuditTrailRow {
  id: string;
  name: string;
  namespace: string;
  remediation_request_ref: string;
  enriched_context: JsonObject | null;
  context_quality: number | null;
  missing_data_fields: string[] | null;
  phase: string | null;
}

/** The one remediation_processing row -> RemediationProcessing mapper of both services. */
export function toProcessing(
  row: RemediationProcessingRow | Row,
): MessageInitShape<typeof RemediationProcessingSchema> {
  const r = row as Row;
  const trail = auditTrailOf(r);
  return {
    id: idOf(r.id, 'id'),
    name: textOf(r.name, 'name'),
    namespace: textOf(r.namespace, 'namespace'),
    remediationRequestRef: textOf(r.remediation_request_ref, 'remediation_request_ref'),
    phase: textOf(r.phase, 'phase'),
    enrichedContext: jsonObjectOf(r.enriched_context, 'enriched_context'),
    contextQuality: numberOf(r.context_quality, 'context_quality'),
    missingDataFields: stringsOf(r.missing_data_fields, 'missing_data_fields'),
    message: trail.message,
    createdAt: trail.createdAt,
    startedAt: trail.startedAt,
    completedAt: trail.completedAt,
    correlationId: trail.correlationId,
  };
}
