import { POLICY_DEFAULTS } from '@autoserve/runtime/model';
import type { MetricName, Policy, RatePolicy, SelectPolicy } from '../decision/types.js';
import type { PolicyRow } from '../validation/policy.js';

/** Engine policy from a scaling_policies row; an app without a row gets the defaults table's. */
export function toEnginePolicy(row: PolicyRow | undefined): Policy {
  if (!row) return toEnginePolicy(POLICY_DEFAULTS);
  const n = (v: number | null | undefined) => (v == null ? 0 : Number(v));
  return {
    minReplicas: row.min_replicas,
    maxReplicas: row.max_replicas,
    targets: {
      rps: n(row.target_rps_per_replica),
      latency_p95: n(row.max_p95_latency_ms),
      cpu_percent: n(row.max_cpu_percent),
      memory_percent: n(row.max_memory_percent),
      active_connections: n(row.max_connections_per_replica),
    },
    weights: {
      rps: n(row.rps_weight),
      latency_p95: n(row.latency_weight),
      cpu_percent: n(row.cpu_weight),
      memory_percent: n(row.memory_weight),
      active_connections: n(row.connection_weight),
    },
    cooldownSeconds: row.cooldown_seconds,
    evaluationWindowSeconds: row.evaluation_window_seconds,
    scaleOutThresholdPct: row.scale_out_threshold_pct,
    scaleInThresholdPct: row.scale_in_threshold_pct,
    maxScaleOutStep: row.max_scale_out_step,
    maxScaleInStep: row.max_scale_in_step,
    scaleUp: {
      tolerance: Number(row.scale_up_tolerance),
      stabilizationSeconds: row.scale_up_stabilization_seconds,
      policies: row.scale_up_policies as RatePolicy[],
      selectPolicy: row.scale_up_select_policy as SelectPolicy,
    },
    scaleDown: {
      tolerance: Number(row.scale_down_tolerance),
      stabilizationSeconds: row.scale_down_stabilization_seconds,
      policies: row.scale_down_policies as RatePolicy[],
      selectPolicy: row.scale_down_select_policy as SelectPolicy,
    },
    scaleToZeroIdleSeconds: row.scale_to_zero_idle_seconds,
    activationMetric: (row.activation_metric ?? 'rps') as MetricName,
    activationThreshold: Number(row.activation_threshold),
    hpaCompatible: row.hpa_compatible === true,
  };
}

/** Seconds of history the stabilization windows and rate periods look at. */
export { historySeconds } from '../decision/history.js';
