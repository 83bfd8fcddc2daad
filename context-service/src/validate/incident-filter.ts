import { RemediationPhase } from '@autoserve/proto/common/v1';
import type { IncidentFilter } from '@autoserve/proto/context/v1';
import { remediationPhase } from '../mapping/enums.js';
import type { IncidentFilterSql } from '../queries/similar.js';
import { knownEnums, optionalText, timeRange } from './fields.js';

/** Validates a similarity filter into stored spellings; field names carry `prefix`. */
export function incidentFilterOf(
  f: IncidentFilter | undefined,
  prefix = 'filter.',
): IncidentFilterSql {
  if (!f) return {};
  const range = timeRange(
    f.createdAfter,
    f.createdBefore,
    `${prefix}created_after`,
    `${prefix}created_before`,
  );
  const phases = knownEnums(f.phases, RemediationPhase, `${prefix}phases`);
  return {
    namespace: optionalText(f.namespace, `${prefix}namespace`),
    phases: phases.length ? remediationPhase.toDbAll(phases) : undefined,
    targetType: optionalText(f.targetType, `${prefix}target_type`, 100),
    targetName: optionalText(f.targetName, `${prefix}target_name`),
    signalType: optionalText(f.signalType, `${prefix}signal_type`, 50),
    createdAfter: range.after,
    createdBefore: range.before,
  };
}
