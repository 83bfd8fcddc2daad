import { RemediationPhase } from '@autoserve/proto/common/v1';
import type { IncidentFilter } from '@autoserve/proto/context/v1';
import { knownEnums, optionalText, timeRange } from '@autoserve/runtime';
import { remediationPhase } from '../mapping/enums.js';
import type { IncidentFilterSql } from '../queries/similar.js';

/** Validates a similarity filter into stored spellings; field names carry `prefix`. */
export function incidentFilterOf(
  f: IncidentFilter | undefined,
  prefix = 'filter.',
): IncidentFilterSql {
  if (!f) return {};
  const range = timeRange(
    `${prefix}created_after`,
    f.createdAfter,
    `${prefix}created_before`,
    f.createdBefore,
  );
  const phases = knownEnums(`${prefix}phases`, f.phases, RemediationPhase);
  return {
    namespace: optionalText(`${prefix}namespace`, f.namespace),
    phases: phases.length ? remediationPhase.toDbAll(phases) : undefined,
    targetType: optionalText(`${prefix}target_type`, f.targetType, 100),
    targetName: optionalText(`${prefix}target_name`, f.targetName),
    signalType: optionalText(`${prefix}signal_type`, f.signalType, 50),
    createdAfter: range.after,
    createdBefore: range.before,
  };
}
