import type { scaler } from '@autoserve/proto';
import {
  checkInt,
  checkNumber,
  durationSeconds,
  invalidArgument,
  timestampOf,
} from '@autoserve/runtime';
import {
  POLICY_DEFAULTS,
  type PolicyRow,
  type RatePolicyJson,
  type SelectPolicyName,
} from '@autoserve/runtime/model';
import { metricTypeCodec, ratePolicyTypeCodec, selectPolicyCodec } from './enums.js';

export type { PolicyRow, RatePolicyJson, SelectPolicyName };

const D = POLICY_DEFAULTS;

/** HPA autoscaling/v2 defaults (the defaults table's). */
export const DEFAULT_SCALE_UP_POLICIES: readonly RatePolicyJson[] = D.scale_up_policies;
export const DEFAULT_SCALE_DOWN_POLICIES: readonly RatePolicyJson[] = D.scale_down_policies;

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
  defaults: {
    tolerance: number;
    stabilization: number;
    policies: readonly RatePolicyJson[];
    select: SelectPolicyName;
  },
) {
  const tolerance =
    r?.tolerance === undefined
      ? defaults.tolerance
      : checkNumber(`${field}.tolerance`, r.tolerance, 0, 1);
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
  const select = (selectPolicyCodec.toDb(r?.selectPolicy ?? 0) ??
    defaults.select) as SelectPolicyName;
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
    p?.minReplicas === undefined
      ? D.min_replicas
      : checkInt(`${field}.min_replicas`, p.minReplicas, 0, 1000);
  const max =
    p?.maxReplicas === undefined
      ? Math.max(D.max_replicas, min)
      : checkInt(`${field}.max_replicas`, p.maxReplicas, 1, 1000);
  if (min > max) throw invalidArgument(`${field}.min_replicas`, `must be <= max_replicas (${max})`);
  const out = p?.scaleOutThresholdPct ?? D.scale_out_threshold_pct;
  const inn = p?.scaleInThresholdPct ?? D.scale_in_threshold_pct;
  checkInt(`${field}.scale_out_threshold_pct`, out, 1, 100);
  checkInt(`${field}.scale_in_threshold_pct`, inn, 1, 100);
  if (inn >= out) {
    throw invalidArgument(
      `${field}.scale_in_threshold_pct`,
      `must be < scale_out_threshold_pct (${out})`,
    );
  }
  const up = rules(`${field}.scale_up`, p?.scaleUp, {
    tolerance: D.scale_up_tolerance,
    stabilization: D.scale_up_stabilization_seconds,
    policies: D.scale_up_policies,
    select: D.scale_up_select_policy,
  });
  const down = rules(`${field}.scale_down`, p?.scaleDown, {
    tolerance: D.scale_down_tolerance,
    stabilization: D.scale_down_stabilization_seconds,
    policies: D.scale_down_policies,
    select: D.scale_down_select_policy,
  });
  const stz = p?.scaleToZero;
  const activationMetric = metricTypeCodec.toDb(stz?.activationMetric ?? 0) ?? D.activation_metric;
  return {
    min_replicas: min,
    max_replicas: max,
    target_rps_per_replica: target(
      `${field}.target_rps_per_replica`,
      p?.targetRpsPerReplica,
      D.target_rps_per_replica!,
      1e9,
    ),
    max_p95_latency_ms: target(
      `${field}.max_p95_latency_ms`,
      p?.maxP95LatencyMs,
      D.max_p95_latency_ms!,
      1e9,
    ),
    max_cpu_percent: target(`${field}.max_cpu_percent`, p?.maxCpuPercent, D.max_cpu_percent!, 100),
    max_memory_percent: target(
      `${field}.max_memory_percent`,
      p?.maxMemoryPercent,
      D.max_memory_percent!,
      100,
    ),
    max_connections_per_replica: target(
      `${field}.max_connections_per_replica`,
      p?.maxConnectionsPerReplica,
      D.max_connections_per_replica!,
      1e9,
    ),
    scale_out_threshold_pct: out,
    scale_in_threshold_pct: inn,
    cooldown_seconds: durationSeconds(
      `${field}.cooldown`,
      p?.cooldown,
      D.cooldown_seconds,
      0,
      3600,
    ),
    evaluation_window_seconds: durationSeconds(
      `${field}.evaluation_window`,
      p?.evaluationWindow,
      D.evaluation_window_seconds,
      5,
      3600,
    ),
    max_scale_out_step:
      p?.maxScaleOutStep === undefined
        ? D.max_scale_out_step
        : checkInt(`${field}.max_scale_out_step`, p.maxScaleOutStep, 0, 1000),
    max_scale_in_step:
      p?.maxScaleInStep === undefined
        ? D.max_scale_in_step
        : checkInt(`${field}.max_scale_in_step`, p.maxScaleInStep, 0, 1000),
    // The seed's single window is the scale-down one (where stabilization matters).
    stabilization_window_seconds: down.stabilization,
    cpu_weight: weight(`${field}.cpu_weight`, p?.cpuWeight, D.cpu_weight),
    memory_weight: weight(`${field}.memory_weight`, p?.memoryWeight, D.memory_weight),
    rps_weight: weight(`${field}.rps_weight`, p?.rpsWeight, D.rps_weight),
    latency_weight: weight(`${field}.latency_weight`, p?.latencyWeight, D.latency_weight),
    connection_weight: weight(
      `${field}.connection_weight`,
      p?.connectionWeight,
      D.connection_weight,
    ),
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
      D.scale_to_zero_idle_seconds,
      0,
      86_400,
    ),
    activation_threshold:
      stz === undefined
        ? D.activation_threshold
        : checkNumber(
            `${field}.scale_to_zero.activation_threshold`,
            stz.activationThreshold,
            0,
            1e12,
          ),
    activation_metric: activationMetric,
    hpa_compatible: p?.hpaCompatible ?? D.hpa_compatible,
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
      activationMetric: metricTypeCodec.fromDb(row.activation_metric ?? D.activation_metric),
      activationThreshold: row.activation_threshold,
    },
    hpaCompatible: row.hpa_compatible,
    ...(row.updated_at ? { updatedAt: timestampOf(row.updated_at) } : {}),
  };
}
