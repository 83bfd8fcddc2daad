import type { InstanceState } from './types.js';

/** Tolerances of one evaluation (per direction, as HPA 1.33 configurable tolerance). */
export interface Tolerance {
  up: number;
  down: number;
}

/** True when the ratio proposes no change: 1 - down <= ratio <= 1 + up (inclusive, as HPA). */
export function withinTolerance(ratio: number, tol: Tolerance): boolean {
  return ratio <= 1 + tol.up && ratio >= 1 - tol.down;
}

export interface RatioResult {
  replicas: number;
  /** Ratio the replica count came from (after readiness adjustments). */
  ratio: number;
  /** Mean of the ready instances' values. */
  value: number;
  withinTolerance: boolean;
  note: string;
}

/** ceil that ignores floating-point noise (2 x 1.5 = 3.0000000000000004 is 3). */
export function ceilSafe(x: number): number {
  return Math.ceil(x - 1e-9);
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/**
 * The HPA per-pod algorithm (replica_calculator.go GetResourceReplicas /
 * calcPlainMetricReplicas with groupPods) over per-instance window means.
 * An instance without samples is missing, whatever its readiness (groupPods
 * checks "no metric" first). Only for CPU (`setAsideUnready`) is a not-ready
 * instance with samples set aside, and counted as 0% when the ready ones ask
 * for more (so a scale-up is not inflated by instances still warming up);
 * for every other metric its samples count as a ready one's. Missing
 * instances count as 100% of the target when the ratio is below 1 (dampening
 * a scale-down) and 0% above 1; at exactly 1 they are left out. A result that
 * flips direction after these fills proposes no change. Undefined when no
 * counted instance has samples: the metric is invalid, as the HPA's "did not
 * receive metrics for targeted pods".
 */
export function perInstanceReplicas(
  values: ReadonlyMap<number, number>,
  instances: readonly InstanceState[],
  target: number,
  current: number,
  tol: Tolerance,
  setAsideUnready: boolean,
): RatioResult | undefined {
  const ready: number[] = [];
  let unready = 0;
  let missing = 0;
  for (const inst of instances) {
    const v = values.get(inst.id);
    if (v === undefined) missing++;
    else if (!inst.ready && setAsideUnready) unready++;
    else ready.push(v);
  }
  if (ready.length === 0) return undefined;
  const value = sum(ready) / ready.length;
  const ratio = value / target;
  const rebalanceUnready = unready > 0 && ratio > 1;
  if (!rebalanceUnready && missing === 0) {
    if (withinTolerance(ratio, tol)) {
      return { replicas: current, ratio, value, withinTolerance: true, note: '' };
    }
    const note = unready > 0 ? `${unready} not-ready instance(s) skipped on scale-down` : '';
    return { replicas: ceilSafe(ratio * ready.length), ratio, value, withinTolerance: false, note };
  }
  const notes: string[] = [];
  let total = sum(ready);
  let count = ready.length;
  if (missing > 0 && ratio !== 1) {
    // Scale-down: assume the silent instances are at the target; scale-up: idle.
    if (ratio < 1) total += missing * target;
    count += missing;
    notes.push(`${missing} instance(s) without samples counted as ${ratio < 1 ? '100' : '0'}%`);
  }
  if (rebalanceUnready) {
    count += unready;
    notes.push(`${unready} not-ready instance(s) counted as 0%`);
  }
  const newRatio = total / (count * target);
  const note = notes.join('; ');
  if (
    withinTolerance(newRatio, tol) ||
    (ratio < 1 && newRatio > 1) ||
    (ratio > 1 && newRatio < 1)
  ) {
    return { replicas: current, ratio: newRatio, value, withinTolerance: true, note };
  }
  const replicas = ceilSafe(newRatio * count);
  if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) {
    return { replicas: current, ratio: newRatio, value, withinTolerance: false, note };
  }
  return { replicas, ratio: newRatio, value, withinTolerance: false, note };
}

/**
 * The HPA formula over an app-level value (external/object metric):
 * desired = ceil(current x value / target), or the current count inside the
 * tolerance. From zero replicas it is ceil(ratio).
 */
export function appLevelReplicas(
  perReplicaValue: number,
  target: number,
  current: number,
  tol: Tolerance,
): RatioResult {
  const ratio = perReplicaValue / target;
  if (current === 0) {
    return {
      replicas: ceilSafe(ratio),
      ratio,
      value: perReplicaValue,
      withinTolerance: false,
      note: '',
    };
  }
  if (withinTolerance(ratio, tol)) {
    return { replicas: current, ratio, value: perReplicaValue, withinTolerance: true, note: '' };
  }
  return {
    replicas: ceilSafe(current * ratio),
    ratio,
    value: perReplicaValue,
    withinTolerance: false,
    note: '',
  };
}

/**
 * Latency read as a queue: p95 = base / (1 - u), so utilization is
 * 1 - base/p95 and the target p95 is met at 1 - base/target; the ratio of the
 * two is the capacity change needed. Unlike p95/target it stays bounded when
 * a saturated queue makes p95 explode, and it also proposes a scale-down when
 * latency sits near the idle baseline. Falls back to the linear formula when
 * the baseline is not below the target.
 */
export function queueLatencyReplicas(
  p95: number,
  base: number,
  target: number,
  current: number,
  tol: Tolerance,
): RatioResult {
  if (!(base > 0) || base >= target) return appLevelReplicas(p95, target, current, tol);
  const u = Math.max(0, 1 - base / Math.max(p95, base));
  const uTarget = 1 - base / target;
  const r = appLevelReplicas(u, uTarget, current, tol);
  return { ...r, value: p95, note: `queue-aware (idle p95 ${Math.round(base)} ms)` };
}
