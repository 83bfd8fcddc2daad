import type { scaler } from '@autoserve/proto';
import {
  checkInt,
  checkNumber,
  durationSeconds,
  invalidArgument,
  timestampOf,
} from '@autoserve/runtime';
import { metricTypeCodec, ratePolicyTypeCodec, selectPolicyCodec } from './enums.js';

/** One HPA rate policy as stored in scale_up_policies / scale_down_policies. */
export interface RatePolicyJson {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export type SelectPolicyName = 'Max' | 'Min' | 'Disabled';

/**
 * A scaling_policies row (without app_name/timestamps): what PutScalingPolicy
 * stores and what the decision engine reads. A null target disables that
 * metric.
 */
export interface PolicyRow {
  min_replicas: number;
  max_replicas: number;
  target_rps_per_replica: number | null;
  max_p95_latency_ms: number | null;
  max_cpu_percent: number | null;
  max_memory_percent: number | null;
  max_connections_per_replica: number | null;
  scale_out_threshold_pct: number;
  scale_in_threshold_pct: number;
  cooldown_seconds: number;
  evaluation_window_seconds: number;
  max_scale_out_step: number;
  max_scale_in_step: number;
  stabilization_window_seconds: number;
  cpu_weight: number;
  memory_weight: number;
  rps_weight: number;
  latency_weight: number;
  connection_weight: number;
  scale_up_tolerance: number;
  scale_down_tolerance: number;
  scale_up_stabilization_seconds: number;
  scale_down_stabilization_seconds: number;
  scale_up_policies: RatePolicyJson[];
  scale_down_policies: RatePolicyJson[];
  scale_up_select_policy: SelectPolicyName;
  scale_down_select_policy: SelectPolicyName;
  scale_to_zero_idle_seconds: number;
  activation_threshold: number;
  activation_metric: string;
  hpa_compatible: boolean;
}

/** HPA autoscaling/v2 defaults. */
export const DEFAULT_SCALE_UP_POLICIES: readonly RatePolicyJson[] = [
  { type: 'Percent', value: 100, periodSeconds: 15 },
  { type: 'Pods', value: 4, periodSeconds: 15 },
];
export const DEFAULT_SCALE_DOWN_POLICIES: readonly RatePolicyJson[] = [
  { type: 'Percent', value: 100, periodSeconds: 15 },
];

function target(field: string, v: number | undefined, fallback: number, max: number) {
  if (v === undefined) return fallback;
  checkNumber(field, v, 0, max);
  return v === 0 ? null : v;
}

function weight(field: string, v: number | undefined, fallback: number): number {
  return v === undefined ? fallback : checkNumber(field, v, 0, 1000);
}

function rules(
  field: string,
  r: scaler.ScalingRules | undefined,
  defaults: { stabilization: number; policies: readonly RatePolicyJson[] },
) {
  const tolerance =
    r?.tolerance === undefined ? 0.1 : checkNumber(`${field}.tolerance`, r.tolerance, 0, 1);
  const stabilization = durationSeconds(
    `${field}.stabilization_window`,
    r?.stabilizationWindow,
    defaults.stabilization,
    0,
    3600,
  );
  const list = r?.policies ?? [];
  if (list.length > 10) throw invalidArgument(`${field}.policies`, 'must have at most 10 items');
  const policies = list.map((p, i): RatePolicyJson => {
    const f = `${field}.policies[${i}]`;
    const type = ratePolicyTypeCodec.toDb(p.type) as RatePolicyJson['type'] | undefined;
    if (!type) throw invalidArgument(`${f}.type`, 'must be PODS or PERCENT');
    const value =
      type === 'Pods'
        ? checkInt(`${f}.value`, p.value, 1, 1000)
        : checkInt(`${f}.value`, p.value, 1, 1000);
    if (!p.period) throw invalidArgument(`${f}.period`, 'is required');
    const periodSeconds = durationSeconds(`${f}.period`, p.period, 0, 1, 1800);
    return { type, value, periodSeconds };
  });
  const select = (selectPolicyCodec.toDb(r?.selectPolicy ?? 0) ?? 'Max') as SelectPolicyName;
  return {
    tolerance,
    stabilization,
    policies: policies.length > 0 ? policies : defaults.policies.map((p) => ({ ...p })),
    select,
  };
}

/**
 * Validates a policy and fills the seed's (and HPA's) defaults for unset
 * fields. The database CHECKs enforce the same rules as a second line.
 */
export function normalizePolicy(p: scaler.ScalingPolicy | undefined, field = 'policy'): PolicyRow {
  const min =
    p?.minReplicas === undefined ? 1 : checkInt(`${field}.min_replicas`, p.minReplicas, 0, 1000);
  const max =
    p?.maxReplicas === undefined
      ? Math.max(5, min)
      : checkInt(`${field}.max_replicas`, p.maxReplicas, 1, 1000);
  if (min > max) throw invalidArgument(`${field}.min_replicas`, `must be <= max_replicas (${max})`);
  const out = p?.scaleOutThresholdPct ?? 80;
  const inn = p?.scaleInThresholdPct ?? 30;
  checkInt(`${field}.scale_out_threshold_pct`, out, 1, 100);
  checkInt(`${field}.scale_in_threshold_pct`, inn, 1, 100);
  if (inn >= out) {
    throw invalidArgument(
      `${field}.scale_in_threshold_pct`,
      `must be < scale_out_threshold_pct (${out})`,
    );
  }
  const up = rules(`${field}.scale_up`, p?.scaleUp, {
    stabilization: 0,
    policies: DEFAULT_SCALE_UP_POLICIES,
  });
  const down = rules(`${field}.scale_down`, p?.scaleDown, {
    stabilization: 300,
    policies: DEFAULT_SCALE_DOWN_POLICIES,
  });
  const stz = p?.scaleToZero;
  const activationMetric = metricTypeCodec.toDb(stz?.activationMetric ?? 0) ?? 'rps';
  return {
    min_replicas: min,
    max_replicas: max,
    target_rps_per_replica: target(
      `${field}.target_rps_per_replica`,
      p?.targetRpsPerReplica,
      50,
      1e9,
    ),
    max_p95_latency_ms: target(`${field}.max_p95_latency_ms`, p?.maxP95LatencyMs, 250, 1e9),
    max_cpu_percent: target(`${field}.max_cpu_percent`, p?.maxCpuPercent, 70, 100),
    max_memory_percent: target(`${field}.max_memory_percent`, p?.maxMemoryPercent, 75, 100),
    max_connections_per_replica: target(
      `${field}.max_connections_per_replica`,
      p?.maxConnectionsPerReplica,
      100,
      1e9,
    ),
    scale_out_threshold_pct: out,
    scale_in_threshold_pct: inn,
    cooldown_seconds: durationSeconds(`${field}.cooldown`, p?.cooldown, 180, 0, 3600),
    evaluation_window_seconds: durationSeconds(
      `${field}.evaluation_window`,
      p?.evaluationWindow,
      60,
      5,
      3600,
    ),
    max_scale_out_step:
      p?.maxScaleOutStep === undefined
        ? 0
        : checkInt(`${field}.max_scale_out_step`, p.maxScaleOutStep, 0, 1000),
    max_scale_in_step:
      p?.maxScaleInStep === undefined
        ? 1
        : checkInt(`${field}.max_scale_in_step`, p.maxScaleInStep, 0, 1000),
    // The seed's single window is the scale-down one (where stabilization matters).
    stabilization_window_seconds: down.stabilization,
    cpu_weight: weight(`${field}.cpu_weight`, p?.cpuWeight, 1),
    memory_weight: weight(`${field}.memory_weight`, p?.memoryWeight, 1),
    rps_weight: weight(`${field}.rps_weight`, p?.rpsWeight, 1),
    latency_weight: weight(`${field}.latency_weight`, p?.latencyWeight, 1.5),
    connection_weight: weight(`${field}.connection_weight`, p?.connectionWeight, 0.8),
    scale_up_tolerance: up.tolerance,
    scale_down_tolerance: down.tolerance,
    scale_up_stabilization_seconds: up.stabilization,
    scale_down_stabilization_seconds: down.stabilization,
    scale_up_policies: up.policies,
    scale_down_policies: down.policies,
    scale_up_select_policy: up.select,
    scale_down_select_policy: down.select,
    scale_to_zero_idle_seconds: durationSeconds(
      `${field}.scale_to_zero.idle_period`,
      stz?.idlePeriod,
      0,
      0,
      86_400,
    ),
    activation_threshold:
      stz === undefined
        ? 0
        : checkNumber(
            `${field}.scale_to_zero.activation_threshold`,
            stz.activationThreshold,
            0,
            1e12,
          ),
    activation_metric: activationMetric,
    hpa_compatible: p?.hpaCompatible ?? false,
  };
}

const secs = (s: number) => ({ seconds: BigInt(s), nanos: 0 });

function rulesToProto(
  tolerance: number,
  stabilization: number,
  policies: RatePolicyJson[],
  select: string,
) {
  return {
    tolerance,
    stabilizationWindow: secs(stabilization),
    policies: policies.map((p) => ({
      type: ratePolicyTypeCodec.fromDb(p.type),
      value: p.value,
      period: secs(p.periodSeconds),
    })),
    selectPolicy: selectPolicyCodec.fromDb(select),
  };
}

/** The proto form of a stored policy (a disabled target reads as 0). */
export function policyToProto(row: PolicyRow & { updated_at?: Date }) {
  return {
    minReplicas: row.min_replicas,
    maxReplicas: row.max_replicas,
    targetRpsPerReplica: row.target_rps_per_replica ?? 0,
    maxP95LatencyMs: row.max_p95_latency_ms ?? 0,
    maxCpuPercent: row.max_cpu_percent ?? 0,
    maxMemoryPercent: row.max_memory_percent ?? 0,
    maxConnectionsPerReplica: row.max_connections_per_replica ?? 0,
    scaleOutThresholdPct: row.scale_out_threshold_pct,
    scaleInThresholdPct: row.scale_in_threshold_pct,
    cooldown: secs(row.cooldown_seconds),
    evaluationWindow: secs(row.evaluation_window_seconds),
    maxScaleOutStep: row.max_scale_out_step,
    maxScaleInStep: row.max_scale_in_step,
    cpuWeight: row.cpu_weight,
    memoryWeight: row.memory_weight,
    rpsWeight: row.rps_weight,
    latencyWeight: row.latency_weight,
    connectionWeight: row.connection_weight,
    scaleUp: rulesToProto(
      row.scale_up_tolerance,
      row.scale_up_stabilization_seconds,
      row.scale_up_policies,
      row.scale_up_select_policy,
    ),
    scaleDown: rulesToProto(
      row.scale_down_tolerance,
      row.scale_down_stabilization_seconds,
      row.scale_down_policies,
      row.scale_down_select_policy,
    ),
    scaleToZero: {
      idlePeriod: secs(row.scale_to_zero_idle_seconds),
      activationMetric: metricTypeCodec.fromDb(row.activation_metric ?? 'rps'),
      activationThreshold: row.activation_threshold,
    },
    hpaCompatible: row.hpa_compatible,
    ...(row.updated_at ? { updatedAt: timestampOf(row.updated_at) } : {}),
  };
}
