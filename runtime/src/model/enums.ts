import { common, scaler } from '@autoserve/proto';

/**
 * Proto enum <-> stored text, for every enum the database stores, in one module both services
 * import. The database keeps the seeds' spellings ('Completed', 'P0', 'cpu_percent', 'Pods',
 * 'HTTP'); the contracts use enums. Each codec is derived from the generated enum object, so a new
 * enum value needs no edit here; only a new spelling rule would.
 */
export interface EnumCodec<E extends number = number> {
  /** Every database spelling, in enum order (UNSPECIFIED has none). */
  readonly values: readonly string[];
  /** Database text of an enum number; undefined for unspecified or unknown numbers. */
  toDb(value: E | number): string | undefined;
  /** Enum number of a database text; 0 (unspecified) when unknown or null. */
  fromDb(text: string | null | undefined): E;
  /** Database texts of validated enum numbers (unspecified and unknown numbers are skipped). */
  toDbAll(values: readonly (E | number)[]): string[];
}

type Spelling = (suffix: string) => string;

const lower: Spelling = (s) => s.toLowerCase();
const capitalized: Spelling = (s) => s.charAt(0) + s.slice(1).toLowerCase();
const asIs: Spelling = (s) => s;

/** A codec from a generated enum object (numbers <-> NAMES) and the stored spelling rule. */
export function enumCodec<E extends number>(
  names: Record<number, string>,
  prefix: string,
  spell: Spelling,
): EnumCodec<E> {
  const toDb = new Map<number, string>();
  const fromDb = new Map<string, E>();
  // Integer keys enumerate in ascending order, so `values` follows the enum numbers.
  for (const [k, name] of Object.entries(names)) {
    const n = Number(k);
    if (!Number.isInteger(n) || n === 0) continue;
    const text = spell(name.startsWith(prefix) ? name.slice(prefix.length) : name);
    toDb.set(n, text);
    fromDb.set(text, n as E);
  }
  return {
    values: [...toDb.values()],
    toDb: (v) => toDb.get(v),
    toDbAll: (vs) => vs.flatMap((v) => toDb.get(v) ?? []),
    fromDb: (text) => (text ? (fromDb.get(text) ?? 0) : 0) as E,
  };
}

const { AppMode, AppStatus, HealthStatus, InstanceStatus, ProbeMethod, ProbeProtocol } = scaler;
const { RatePolicyType, SelectPolicy } = scaler;
const { ActionResult, AggregationLevel, EventCategory, EventType, MetricType } = common;
const { Priority, RemediationPhase, Severity, WorkflowPhase } = common;

export const appStatusCodec = enumCodec<scaler.AppStatus>(AppStatus, 'APP_STATUS_', lower);
export const appModeCodec = enumCodec<scaler.AppMode>(AppMode, 'APP_MODE_', lower);
export const instanceStatusCodec = enumCodec<scaler.InstanceStatus>(
  InstanceStatus,
  'INSTANCE_STATUS_',
  lower,
);
export const healthStatusCodec = enumCodec<scaler.HealthStatus>(
  HealthStatus,
  'HEALTH_STATUS_',
  lower,
);
export const probeProtocolCodec = enumCodec<scaler.ProbeProtocol>(
  ProbeProtocol,
  'PROBE_PROTOCOL_',
  asIs,
);
export const probeMethodCodec = enumCodec<scaler.ProbeMethod>(ProbeMethod, 'PROBE_METHOD_', asIs);
export const ratePolicyTypeCodec = enumCodec<scaler.RatePolicyType>(
  RatePolicyType,
  'RATE_POLICY_TYPE_',
  capitalized,
);
export const selectPolicyCodec = enumCodec<scaler.SelectPolicy>(
  SelectPolicy,
  'SELECT_POLICY_',
  capitalized,
);
export const eventTypeCodec = enumCodec<common.EventType>(EventType, 'EVENT_TYPE_', lower);
export const eventCategoryCodec = enumCodec<common.EventCategory>(
  EventCategory,
  'EVENT_CATEGORY_',
  lower,
);
export const severityCodec = enumCodec<common.Severity>(Severity, 'SEVERITY_', lower);
export const metricTypeCodec = enumCodec<common.MetricType>(MetricType, 'METRIC_TYPE_', lower);
export const aggregationLevelCodec = enumCodec<common.AggregationLevel>(
  AggregationLevel,
  'AGGREGATION_LEVEL_',
  lower,
);
export const priorityCodec = enumCodec<common.Priority>(Priority, 'PRIORITY_', asIs);
export const remediationPhaseCodec = enumCodec<common.RemediationPhase>(
  RemediationPhase,
  'REMEDIATION_PHASE_',
  capitalized,
);
export const workflowPhaseCodec = enumCodec<common.WorkflowPhase>(
  WorkflowPhase,
  'WORKFLOW_PHASE_',
  capitalized,
);
export const actionResultCodec = enumCodec<common.ActionResult>(
  ActionResult,
  'ACTION_RESULT_',
  lower,
);

/** events.severity_rank of a Severity (debug 0 .. critical 4). */
export function severityRank(severity: common.Severity | number): number {
  return severity - Severity.DEBUG;
}
