import { ceilSafe } from './hpa-ratio.js';
import { scaleUpLimit } from './rate-limit.js';
import type { EngineInput } from './types.js';

/** Result of the scale-from-zero rule. */
export interface FromZero {
  replicas: number;
  reason: string;
  limitedBy: string;
}

const SHARED = new Set(['rps', 'active_connections']);

/**
 * KEDA-style activation: an app at zero wakes when its activation metric
 * exceeds the threshold. For a shared metric (rps, connections) with a
 * target it starts as many replicas as the load needs at once, within the
 * scale-up rate limit and max_replicas; otherwise one.
 */
export function fromZero(input: EngineInput): FromZero {
  const { policy } = input;
  if (policy.minReplicas > 0) {
    const replicas = Math.min(policy.minReplicas, policy.maxReplicas);
    return { replicas, reason: `below min_replicas: start ${replicas}`, limitedBy: 'min_replicas' };
  }
  const metric = policy.activationMetric;
  const value = input.activationValue;
  if (value === undefined || !(value > policy.activationThreshold)) {
    const seen = value === undefined ? 'no samples' : String(round(value));
    return {
      replicas: 0,
      reason: `at zero: activation metric ${metric} ${seen} <= threshold ${policy.activationThreshold}`,
      limitedBy: '',
    };
  }
  const target = policy.targets[metric as keyof typeof policy.targets] ?? 0;
  let wanted = SHARED.has(metric) && target > 0 ? Math.max(1, ceilSafe(value / target)) : 1;
  let limitedBy = '';
  const rate = scaleUpLimit(0, input.scaleEvents, policy.scaleUp, input.now);
  const cap = Math.max(1, Math.min(policy.maxReplicas, rate.limit));
  if (wanted > cap) {
    wanted = cap;
    limitedBy = rate.limit < policy.maxReplicas ? rate.by : 'max_replicas';
  }
  return {
    replicas: wanted,
    reason: `activation: ${metric} ${round(value)} > threshold ${policy.activationThreshold}: start ${wanted}`,
    limitedBy,
  };
}

/** Scale to zero is on only with min 0 and an idle period. */
export function scaleToZeroEnabled(input: EngineInput): boolean {
  return input.policy.minReplicas === 0 && input.policy.scaleToZeroIdleSeconds > 0;
}

/** True when no traffic metric was above zero for the whole idle period. */
export function idleLongEnough(input: EngineInput): boolean {
  const last = input.lastActiveAt ?? Number.NEGATIVE_INFINITY;
  return input.now - last >= input.policy.scaleToZeroIdleSeconds * 1000;
}

export function round(v: number): number {
  return Math.round(v * 100) / 100;
}
