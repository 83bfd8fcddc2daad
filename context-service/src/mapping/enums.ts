import {
  ActionResult,
  EventCategory,
  EventType,
  MetricType,
  Priority,
  RemediationPhase,
  Severity,
  WorkflowPhase,
} from '@autoserve/proto/common/v1';

/**
 * Enum <-> stored text. The database keeps the seeds' spellings ('Completed',
 * 'P0', 'cpu_percent', 'warning'); the contracts use enums. Derived from the
 * generated enum names so a new enum value needs no edit here.
 */
function bimap<E extends number>(
  names: Record<number, string>,
  prefix: string,
  spell: (upper: string) => string,
) {
  const toDb = new Map<number, string>();
  const fromDb = new Map<string, E>();
  for (const [k, name] of Object.entries(names)) {
    const n = Number(k);
    if (!Number.isInteger(n) || n === 0) continue;
    const text = spell(name.startsWith(prefix) ? name.slice(prefix.length) : name);
    toDb.set(n, text);
    fromDb.set(text, n as E);
  }
  return {
    /** Every database spelling, in enum order. */
    values: [...toDb.values()] as readonly string[],
    toDb: (v: E): string => toDb.get(v)!,
    fromDb: (text: string | null | undefined): E => (text ? (fromDb.get(text) ?? 0) : 0) as E,
  };
}

const capitalized = (s: string) => s.charAt(0) + s.slice(1).toLowerCase();
const lower = (s: string) => s.toLowerCase();

export const remediationPhase = bimap<RemediationPhase>(
  RemediationPhase,
  'REMEDIATION_PHASE_',
  capitalized,
);
export const workflowPhase = bimap<WorkflowPhase>(WorkflowPhase, 'WORKFLOW_PHASE_', capitalized);
export const priority = bimap<Priority>(Priority, 'PRIORITY_', (s) => s);
export const actionResult = bimap<ActionResult>(ActionResult, 'ACTION_RESULT_', lower);
export const eventType = bimap<EventType>(EventType, 'EVENT_TYPE_', lower);
export const eventCategory = bimap<EventCategory>(EventCategory, 'EVENT_CATEGORY_', lower);
export const severity = bimap<Severity>(Severity, 'SEVERITY_', lower);
export const metricType = bimap<MetricType>(MetricType, 'METRIC_TYPE_', lower);

/** events.severity_rank of a Severity (debug 0 .. critical 4). */
export function severityRank(s: Severity): number {
  return s - Severity.DEBUG;
}
