/** One HPA rate policy as stored in scale_up_policies / scale_down_policies (jsonb). */
export interface RatePolicyJson {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

/** How an HPA direction picks among its rate policies (scale_*_select_policy). */
export type SelectPolicyName = 'Max' | 'Min' | 'Disabled';

/**
 * A scaling_policies row (without app_name/timestamps): what PutScalingPolicy stores, what the
 * decision engine reads and what the defaults table fills. A null target disables that metric.
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
