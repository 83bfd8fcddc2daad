/**
 * Proto enum <-> database text, in one place. Each list is indexed by the
 * enum number (index 0 is UNSPECIFIED and has no database value), so adding
 * an enum value means appending one string here.
 */
export interface EnumCodec {
  /** Database text of an enum number; undefined for unspecified/unknown. */
  toDb(value: number): string | undefined;
  /** Enum number of a database text; 0 (unspecified) when unknown or null. */
  fromDb(text: string | null | undefined): number;
  /** All database values. */
  readonly values: readonly string[];
}

function codec(names: readonly string[]): EnumCodec {
  const byText = new Map(names.map((n, i) => [n, i]));
  return {
    toDb: (value) => (value > 0 ? names[value] : undefined),
    fromDb: (text) => (text == null ? 0 : (byText.get(text) ?? 0)),
    values: names.slice(1),
  };
}

export const appStatusCodec = codec([
  '',
  'registered',
  'starting',
  'running',
  'stopping',
  'stopped',
  'error',
  'updating',
  'deleting',
]);
export const appModeCodec = codec(['', 'auto', 'manual']);
export const instanceStatusCodec = codec([
  '',
  'starting',
  'running',
  'stopping',
  'stopped',
  'error',
  'draining',
]);
export const healthStatusCodec = codec(['', 'unknown', 'healthy', 'unhealthy', 'starting']);
export const eventTypeCodec = codec([
  '',
  'registration',
  'scaling',
  'health',
  'config',
  'deployment',
  'error',
  'warning',
  'network',
  'resource',
  'security',
  'lifecycle',
  'remediation',
]);
export const eventCategoryCodec = codec([
  '',
  'application',
  'system',
  'cluster',
  'security',
  'performance',
]);
export const severityCodec = codec(['', 'debug', 'info', 'warning', 'error', 'critical']);
export const metricTypeCodec = codec([
  '',
  'cpu_percent',
  'memory_percent',
  'memory_bytes',
  'rps',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'active_connections',
  'error_rate',
  'response_time',
  'queue_length',
  'disk_usage',
]);
export const aggregationLevelCodec = codec(['', 'instance', 'app', 'system']);
export const probeProtocolCodec = codec(['', 'HTTP', 'TCP']);
export const probeMethodCodec = codec(['', 'GET', 'POST', 'PUT', 'HEAD']);
export const ratePolicyTypeCodec = codec(['', 'Pods', 'Percent']);
export const selectPolicyCodec = codec(['', 'Max', 'Min', 'Disabled']);
export const priorityCodec = codec(['', 'P0', 'P1', 'P2']);
export const remediationPhaseCodec = codec(['', 'Pending', 'Processing', 'Completed', 'Failed']);
export const workflowPhaseCodec = codec([
  '',
  'Pending',
  'Executing',
  'Completed',
  'Failed',
  'Paused',
]);
export const actionResultCodec = codec(['', 'success', 'failure']);

/** Severity rank as stored in events.severity_rank (debug 0 .. critical 4). */
export function severityRank(severity: number): number {
  return severity - 1;
}
