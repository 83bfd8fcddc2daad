import type { IncidentSchema } from '@autoserve/proto/common/v1';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { enumOf, idOf, type Row, textOf, timeOf } from './columns.js';
import { remediationPhaseCodec } from './enums.js';
import { unprefixed } from './prefixed.js';

/** The incident_embeddings columns toIncident reads (the vector itself never leaves the DB). */
export const INCIDENT_COLUMNS = [
  'id',
  'remediation_request_id',
  'namespace',
  'target_type',
  'target_name',
  'signal_type',
  'signal_name',
  'root_cause',
  'remediation_action',
  'phase',
  'embedder',
  'created_at',
] as const;

/** An incident from incident_embeddings columns, optionally under a join prefix (e.g. "ie_"). */
export function toIncident(row: Row, p = ''): MessageInitShape<typeof IncidentSchema> {
  const r = unprefixed(row, p, INCIDENT_COLUMNS);
  return {
    id: idOf(r.id, 'id'),
    remediationRequestId: idOf(r.remediation_request_id, 'remediation_request_id'),
    namespace: textOf(r.namespace, 'namespace'),
    targetType: textOf(r.target_type, 'target_type'),
    targetName: textOf(r.target_name, 'target_name'),
    signalType: textOf(r.signal_type, 'signal_type'),
    signalName: textOf(r.signal_name, 'signal_name'),
    rootCause: textOf(r.root_cause, 'root_cause'),
    remediationAction: textOf(r.remediation_action, 'remediation_action'),
    phase: enumOf(r.phase, 'phase', remediationPhaseCodec),
    embedder: textOf(r.embedder, 'embedder'),
    createdAt: timeOf(r.created_at, 'created_at'),
  };
}
