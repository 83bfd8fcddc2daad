import type { Policy, ScalingMetric } from './types.js';

export interface ThresholdInput {
  policy: Policy;
  currentReplicas: number;
  /** Window means: per-replica rps/connections, p95 latency, mean CPU/memory. */
  values: Partial<Record<ScalingMetric, number>>;
  lastScaledAt?: number;
  now: number;
}

export interface ThresholdDecision {
  desiredReplicas: number;
  /** Highest load as percent of its target. */
  loadPct: number;
  reason: string;
}

/**
 * The seed's threshold algorithm (AutoServe scaling_policies): load is the
 * highest metric as a percent of its target; above scale_out_threshold_pct
 * add enough replicas to bring it back under the threshold (at most
 * max_scale_out_step, 0 = unlimited), below scale_in_threshold_pct remove
 * max_scale_in_step; nothing within cooldown_seconds of the last action.
 * Kept as the baseline the simulator compares the HPA engine against.
 */
export function thresholdDecide(input: ThresholdInput): ThresholdDecision {
  const { policy, currentReplicas: n, now } = input;
  let loadPct = 0;
  for (const [metric, value] of Object.entries(input.values) as [ScalingMetric, number][]) {
    const target = policy.targets[metric] ?? 0;
    if (target > 0 && policy.weights[metric] !== 0)
      loadPct = Math.max(loadPct, (value / target) * 100);
  }
  const hold = (reason: string) => ({ desiredReplicas: n, loadPct, reason });
  if (
    input.lastScaledAt !== undefined &&
    now - input.lastScaledAt < policy.cooldownSeconds * 1000
  ) {
    return hold('cooldown');
  }
  if (loadPct > policy.scaleOutThresholdPct && n < policy.maxReplicas) {
    const needed = Math.ceil((n * loadPct) / policy.scaleOutThresholdPct) - n;
    const step = policy.maxScaleOutStep > 0 ? Math.min(needed, policy.maxScaleOutStep) : needed;
    const desired = Math.min(policy.maxReplicas, n + Math.max(1, step));
    return {
      desiredReplicas: desired,
      loadPct,
      reason: `load ${Math.round(loadPct)}% > out threshold`,
    };
  }
  if (loadPct < policy.scaleInThresholdPct && n > policy.minReplicas) {
    const step = Math.max(1, policy.maxScaleInStep);
    const desired = Math.max(policy.minReplicas, n - step);
    return {
      desiredReplicas: desired,
      loadPct,
      reason: `load ${Math.round(loadPct)}% < in threshold`,
    };
  }
  return hold('within thresholds');
}
