import type { RemediationRequestSchema } from '@autoserve/proto/common/v1';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { type AuditTrailRow, auditTrailOf } from './audit-trail.js';
import { enumOf, idOf, labelsOf, type Row, textOf } from './columns.js';
import { priorityCodec, remediationPhaseCodec } from './enums.js';
import { unprefixed } from './prefixed.js';

/** A remediation_requests row as node-postgres returns it (the Scaler writes it, both read it). */
export interface RemediationRequestRow extends AuditTrailRow {
  id: string;
  name: string;
  namespace: string;
  signal_type: string;
  signal_name: string;
  signal_namespace: string;
  target_type: string;
  target_name: string;
  target_namespace: string;
  environment: string | null;
  priority: string | null;
  fingerprint: string | null;
  phase: string | null;
  reason: string | null;
  labels: Record<string, string> | null;
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
] as const satisfies readonly (keyof RemediationRequestRow)[];

/**
 * The one remediation_requests row -> RemediationRequest mapper of both services; `p` reads a
 * join's prefixed columns (e.g. "rr_").
 */
export function toRemediationRequest(
  row: RemediationRequestRow | Row,
  p = '',
): MessageInitShape<typeof RemediationRequestSchema> {
  const r = unprefixed(row, p, REQUEST_COLUMNS);
  const trail = auditTrailOf(r);
  return {
    id: idOf(r.id, 'id'),
    name: textOf(r.name, 'name'),
    namespace: textOf(r.namespace, 'namespace'),
    signalType: textOf(r.signal_type, 'signal_type'),
    signalName: textOf(r.signal_name, 'signal_name'),
    signalNamespace: textOf(r.signal_namespace, 'signal_namespace'),
    targetType: textOf(r.target_type, 'target_type'),
    targetName: textOf(r.target_name, 'target_name'),
    targetNamespace: textOf(r.target_namespace, 'target_namespace'),
    environment: textOf(r.environment, 'environment'),
    priority: enumOf(r.priority, 'priority', priorityCodec),
    fingerprint: textOf(r.fingerprint, 'fingerprint'),
    phase: enumOf(r.phase, 'phase', remediationPhaseCodec),
    reason: textOf(r.reason, 'reason'),
    labels: labelsOf(r.labels, 'labels'),
    message: trail.message,
    createdAt: trail.createdAt,
    startedAt: trail.startedAt,
    completedAt: trail.completedAt,
    correlationId: trail.correlationId,
  };
}
