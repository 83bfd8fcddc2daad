import {
  appLevelReplicas,
  perInstanceReplicas,
  queueLatencyReplicas,
  type RatioResult,
  type Tolerance,
} from './hpa-ratio.js';
import type { EngineInput, EngineOptions, MetricInput, Proposal, ScalingMetric } from './types.js';

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
/** A step or a noisy window must not inflate the observed load by more than 30%. */
const MAX_GROWTH = 1.3;

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
  options: EngineOptions,
): RatioResult | undefined {
  const queueAware = options.queueAwareLatency;
  const current = input.currentReplicas;
  if (metric !== 'latency_p95' && m.perInstance && m.perInstance.size > 0) {
    // Instance samples make it a per-pod metric: with none from a counted
    // instance it is invalid, never sized from an app mean of not-ready rows.
    const unreadyAside = metric === 'cpu_percent';
    return perInstanceReplicas(m.perInstance, input.instances, target, current, tol, unreadyAside);
  }
  if (m.app === undefined) return undefined;
  if (metric === 'latency_p95') {
    // As HPA object metrics: ceil(ratio x ready replicas), guarded so a ratio
    // above 1 never proposes fewer than now (and below 1 never more).
    const readyCount = input.instances.filter((i) => i.ready).length || current;
    // Latency-aware: the p95 target is a ceiling (max_p95_latency_ms), so
    // any excess over it is acted on, sized by the queue model to the
    // headroom point below it.
    const r =
      queueAware && m.baseline !== undefined
        ? queueLatencyReplicas(m.app, m.baseline, target * options.latencyHeadroom, readyCount, {
            up: latencyUpTolerance(input, m.app, target * options.latencyHeadroom, tol.up),
            down: tol.down,
          })
        : appLevelReplicas(m.app, target, readyCount, tol);
    if (r.withinTolerance) return { ...r, replicas: current };
    // HPA object metric (getUsageRatioReplicaCount): the ratio x ready pods as it is.
    if (input.policy.hpaCompatible) return r;
    const replicas = r.ratio > 1 ? Math.max(r.replicas, current) : Math.min(r.replicas, current);
    return { ...r, replicas };
  }
  if (PER_REPLICA.has(metric)) {
    // Over the objective the window mean lags the demand that is hurting now:
    // read the fitted level at the newest sample (only ever upwards).
    const rising =
      options.levelWhenHot && latencyHot(input) ? Math.max(0, m.trendPerSecond ?? 0) : 0;
    const level = m.app + rising * (input.policy.evaluationWindowSeconds / 2);
    return appLevelReplicas(level / current, target, current, tol);
  }
  return appLevelReplicas(m.app, target, current, tol);
}

/**
 * The queue model's up tolerance: none (the p95 objective is a ceiling and
 * the headroom point is where the model sizes to), except inside the down
 * stabilization window after a scale-down: there a scale-up must clear the
 * policy's up tolerance against the sizing point (p95 above it by more than
 * `up`), never beyond the objective. Without it a p95 of 201-202 ms against
 * a 200 ms sizing point, at unchanged or falling load, undid a scale-down
 * 10 s and 75 s after it (sawtooth and double-spike stress traces): a
 * reversal the load did not cause and the HPA's tolerance exists to prevent.
 * Kept to that window because a p95 rising on rising load (compressed week)
 * costs SLO seconds when every scale-up waits for the band.
 */
function latencyUpTolerance(input: EngineInput, p95: number, sizing: number, up: number): number {
  const objective = input.policy.targets.latency_p95 ?? sizing;
  const windowMs = input.policy.scaleDown.stabilizationSeconds * 1000;
  const last = input.scaleEvents.at(-1);
  const afterDown = last !== undefined && last.change < 0 && input.now - last.at < windowMs;
  return afterDown && p95 <= Math.min(objective, sizing * (1 + up)) ? Number.POSITIVE_INFINITY : 0;
}

/** The window p95 is above the app's latency objective. */
function latencyHot(input: EngineInput): boolean {
  const slo = input.policy.targets.latency_p95 ?? 0;
  const p95 = input.metrics.latency_p95?.app;
  return slo > 0 && input.policy.weights.latency_p95 !== 0 && p95 !== undefined && p95 > slo;
}

/** The app reports RPS and it is zero over the window. */
function noTraffic(input: EngineInput): boolean {
  const rps = input.metrics.rps;
  if (!rps) return false;
  if (rps.app !== undefined) return rps.app === 0;
  return [...(rps.perInstance?.values() ?? [])].every((v) => v === 0);
}

/**
 * Why the latency window does not describe the current capacity: instances
 * still starting, or a scale-up so recent that most of the window was
 * measured before the new instances took traffic. Empty when it does.
 */
function staleLatency(input: EngineInput, leadSeconds: number): string {
  const starting = input.instances.filter((i) => !i.ready).length;
  if (starting > 0) return `scale-up in flight: ${starting} instance(s) starting`;
  const horizon = (input.policy.evaluationWindowSeconds + leadSeconds) * 1000;
  const recentUp = input.scaleEvents.some((e) => e.change > 0 && input.now - e.at < horizon);
  return recentUp ? 'window mostly predates the last scale-up' : '';
}

/**
 * One proposal per metric the policy enables (target > 0, weight > 0) and the
 * app reports, with the HPA ratio formula. A reported metric with no sample
 * in the window is a missing-data proposal holding the current count.
 */
export function computeProposals(input: EngineInput, options: EngineOptions): Proposal[] {
  const leadSeconds = options.predictiveLeadSeconds;
  const { policy, currentReplicas: current } = input;
  const tol: Tolerance = { up: policy.scaleUp.tolerance, down: policy.scaleDown.tolerance };
  const out: Proposal[] = [];
  if (current === 0) return out;
  for (const metric of SCALING_METRICS) {
    const target = policy.targets[metric] ?? 0;
    if (!(target > 0) || policy.weights[metric] === 0) continue;
    const m = input.metrics[metric];
    const r = m ? ratioFor(metric, m, input, target, tol, options) : undefined;
    if (!m || !r) {
      if (!input.reported.has(metric)) continue;
      // Latency only exists while requests flow: none at zero traffic is not missing data.
      if (metric === 'latency_p95' && noTraffic(input)) continue;
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
    const stale =
      options.queueAwareLatency && metric === 'latency_p95' && r.replicas > current
        ? staleLatency(input, leadSeconds)
        : '';
    if (stale) {
      // The window's latency predates capacity already ordered: let the
      // throughput metrics size any further scale-up instead of compounding it.
      out.push({
        metric,
        currentValue: r.value,
        targetValue: target,
        ratio: r.ratio,
        proposedReplicas: current,
        withinTolerance: false,
        missing: false,
        note: stale,
      });
      continue;
    }
    const growth = growthOf(metric, m, leadSeconds);
    let result = r;
    let note = r.note;
    if (growth > 1) {
      const predicted = ratioFor(metric, m, input, target / growth, tol, options)!;
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
