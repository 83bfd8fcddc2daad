import {
  appLevelReplicas,
  perInstanceReplicas,
  type RatioResult,
  type Tolerance,
} from './hpa-ratio.js';
import type { EngineInput, MetricInput, Proposal, ScalingMetric } from './types.js';

/** Order of evaluation, which is also the tie-break order when proposals are equal. */
export const SCALING_METRICS: readonly ScalingMetric[] = [
  'cpu_percent',
  'memory_percent',
  'rps',
  'latency_p95',
  'active_connections',
];

/** Metrics whose app-level value is a total that the replicas share. */
const PER_REPLICA = new Set<ScalingMetric>(['rps', 'active_connections']);
/** Metrics that grow with load, so a rising trend predicts more of them. */
const PREDICTABLE = new Set<ScalingMetric>(['rps', 'active_connections', 'cpu_percent']);
/** A noisy window must not more than double the observed load. */
const MAX_GROWTH = 2;

function hasInstanceValues(m: MetricInput, input: EngineInput): boolean {
  if (!m.perInstance || m.perInstance.size === 0) return false;
  return input.instances.some((i) => m.perInstance!.has(i.id));
}

/** Relative load growth expected over the lead time (>= 1). */
function growthOf(metric: ScalingMetric, m: MetricInput, leadSeconds: number): number {
  if (leadSeconds <= 0 || !PREDICTABLE.has(metric)) return 1;
  const trend = m.trendPerSecond ?? 0;
  const base = m.app ?? 0;
  if (trend <= 0 || base <= 0) return 1;
  return Math.min(MAX_GROWTH, 1 + (trend * leadSeconds) / base);
}

function ratioFor(
  metric: ScalingMetric,
  m: MetricInput,
  input: EngineInput,
  target: number,
  tol: Tolerance,
): RatioResult | undefined {
  const current = input.currentReplicas;
  if (metric !== 'latency_p95' && hasInstanceValues(m, input)) {
    const r = perInstanceReplicas(m.perInstance!, input.instances, target, current, tol);
    if (r) return r;
  }
  if (m.app === undefined) return undefined;
  if (PER_REPLICA.has(metric)) return appLevelReplicas(m.app / current, target, current, tol);
  return appLevelReplicas(m.app, target, current, tol);
}

/**
 * One proposal per metric the policy enables (target > 0, weight > 0) and the
 * app reports, with the HPA ratio formula. A reported metric with no sample
 * in the window is a missing-data proposal holding the current count.
 */
export function computeProposals(input: EngineInput, leadSeconds: number): Proposal[] {
  const { policy, currentReplicas: current } = input;
  const tol: Tolerance = { up: policy.scaleUp.tolerance, down: policy.scaleDown.tolerance };
  const out: Proposal[] = [];
  if (current === 0) return out;
  for (const metric of SCALING_METRICS) {
    const target = policy.targets[metric] ?? 0;
    if (!(target > 0) || policy.weights[metric] === 0) continue;
    const m = input.metrics[metric];
    const r = m ? ratioFor(metric, m, input, target, tol) : undefined;
    if (!m || !r) {
      if (!input.reported.has(metric)) continue;
      out.push({
        metric,
        currentValue: 0,
        targetValue: target,
        ratio: 0,
        proposedReplicas: current,
        withinTolerance: false,
        missing: true,
        note: 'missing data: no scale-down',
      });
      continue;
    }
    const growth = growthOf(metric, m, leadSeconds);
    let result = r;
    let note = r.note;
    if (growth > 1) {
      const predicted = ratioFor(metric, m, input, target / growth, tol)!;
      if (predicted.replicas > r.replicas) {
        result = predicted;
        const pct = Math.round((growth - 1) * 100);
        note = [note, `rising: +${pct}% predicted over ${leadSeconds}s`].filter(Boolean).join('; ');
      }
    }
    out.push({
      metric,
      currentValue: r.value,
      targetValue: target,
      ratio: result.ratio,
      proposedReplicas: result.replicas,
      withinTolerance: result.withinTolerance,
      missing: false,
      note,
    });
  }
  return out;
}
