import type { RatePolicy, ScaleEvent, ScalingRules } from './types.js';

function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let up = 0;
  let down = 0;
  for (const e of events) {
    if (e.at > cutoff) {
      if (e.change > 0) up += e.change;
      else down -= e.change;
    }
  }
  return up - down;
}

function describe(p: RatePolicy): string {
  return `rate policy ${p.type} ${p.value}${p.type === 'Percent' ? '%' : ''}/${p.periodSeconds}s`;
}

export interface Limit {
  /** The replica count the policies allow at most (up) or at least (down). */
  limit: number;
  /** The policy that set the limit, e.g. "rate policy Pods 4/15s". */
  by: string;
}

/**
 * HPA calculateScaleUpLimitWithScalingRules: each policy allows `value` pods
 * (or percent, rounded up) on top of the replicas at the start of its period,
 * reconstructed from the scale events inside it; Max takes the most generous
 * policy, Min the strictest, Disabled forbids scaling up.
 */
export function scaleUpLimit(
  current: number,
  events: readonly ScaleEvent[],
  rules: ScalingRules,
  now: number,
): Limit {
  if (rules.selectPolicy === 'Disabled') {
    return { limit: current, by: 'scale-up disabled (select policy Disabled)' };
  }
  if (rules.policies.length === 0) return { limit: Number.POSITIVE_INFINITY, by: '' };
  const pickMin = rules.selectPolicy === 'Min';
  let best: Limit | undefined;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, events, now);
    const proposed =
      p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100) - 1e-9);
    if (!best || (pickMin ? proposed < best.limit : proposed > best.limit)) {
      best = { limit: proposed, by: describe(p) };
    }
  }
  // Never below the current count (the events of the period will expire).
  return { limit: Math.max(best!.limit, current), by: best!.by };
}

/** HPA calculateScaleDownLimitWithBehaviors, the mirror image for scale-down. */
export function scaleDownLimit(
  current: number,
  events: readonly ScaleEvent[],
  rules: ScalingRules,
  now: number,
): Limit {
  if (rules.selectPolicy === 'Disabled') {
    return { limit: current, by: 'scale-down disabled (select policy Disabled)' };
  }
  if (rules.policies.length === 0) return { limit: 0, by: '' };
  const pickMin = rules.selectPolicy === 'Min';
  let best: Limit | undefined;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, events, now);
    const proposed =
      p.type === 'Pods' ? start - p.value : Math.floor(start * (1 - p.value / 100) + 1e-9);
    // Min change for scale-down is the highest floor, Max the lowest.
    if (!best || (pickMin ? proposed > best.limit : proposed < best.limit)) {
      best = { limit: proposed, by: describe(p) };
    }
  }
  return { limit: Math.min(best!.limit, current), by: best!.by };
}
