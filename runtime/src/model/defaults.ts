import type { HealthCheckRow } from './health-check-row.js';
import type { PolicyRow } from './policy-row.js';

/**
 * The scaling policy of an app that sets nothing, by column: the seed's targets and bounds
 * (migration 004) with Kubernetes HPA autoscaling/v2 behaviour. The one table the validator,
 * the decision engine and the database DEFAULTs agree on
 * (test/integration/model-defaults.test.ts fails when a column DEFAULT says otherwise).
 */
export const POLICY_DEFAULTS: Readonly<PolicyRow> = {
  min_replicas: 1,
  max_replicas: 5,
  target_rps_per_replica: 50,
  max_p95_latency_ms: 250,
  max_cpu_percent: 70,
  max_memory_percent: 75,
  max_connections_per_replica: 100,
  scale_out_threshold_pct: 80,
  scale_in_threshold_pct: 30,
  cooldown_seconds: 180,
  evaluation_window_seconds: 60,
  max_scale_out_step: 0,
  max_scale_in_step: 1,
  // The seed's single window is the scale-down one (where stabilization matters).
  stabilization_window_seconds: 300,
  cpu_weight: 1,
  memory_weight: 1,
  rps_weight: 1,
  latency_weight: 1.5,
  connection_weight: 0.8,
  scale_up_tolerance: 0.1,
  scale_down_tolerance: 0.1,
  scale_up_stabilization_seconds: 0,
  scale_down_stabilization_seconds: 300,
  // HPA: up by 100% or 4 pods per 15 s, whichever is more; down by 100% per 15 s.
  scale_up_policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
  scale_down_policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  scale_up_select_policy: 'Max',
  scale_down_select_policy: 'Max',
  scale_to_zero_idle_seconds: 0,
  activation_threshold: 0,
  activation_metric: 'rps',
  hpa_compatible: false,
};

/**
 * The health check of an app that sets none (RegisterApp's default, and what the checker
 * probes an app without a stored row with): HTTP GET / on the instance's own port.
 */
export const HEALTH_CHECK_DEFAULTS: Readonly<HealthCheckRow> = {
  protocol: 'HTTP',
  path: '/',
  port: null,
  method: 'GET',
  headers: null,
  body: null,
  expected_status_codes: [200],
  initial_delay_seconds: 30,
  period_seconds: 30,
  timeout_seconds: 5,
  failure_threshold: 3,
  success_threshold: 1,
  enabled: true,
};

/**
 * Defaults the code fills but the database leaves NULL (no column DEFAULT): NULL
 * activation_metric reads as rps, and an HTTP check's NULL path as "/" (a TCP check has none).
 */
export const APP_ONLY_DEFAULTS = {
  scaling_policies: ['activation_metric'],
  health_checks: ['path'],
} as const;
