import { describe, expect, it } from 'vitest';
import { evaluateRecorded } from '../control/recorded-evaluation.js';
import { RowHistoryStore } from '../control/row-history-store.js';
import { DEFAULT_POLICY, HPA_OPTIONS, HPA_SCALE_DOWN, HPA_SCALE_UP } from './defaults.js';
import { decide } from './engine.js';
import { engineController } from './sim/controllers.js';
import type { InstanceState, MetricInput, Policy, ScalingMetric } from './types.js';

/**
 * The Kubernetes HorizontalPodAutoscaler's rules as worked examples, each
 * with the documentation sentence or controller function it comes from
 * (kubernetes/kubernetes pkg/controller/podautoscaler: replica_calculator.go,
 * horizontal.go; docs: "Horizontal Pod Autoscaling", "Algorithm details").
 * Every example runs with `hpaCompatible` (our additions off) and states what
 * the HPA does. Rules marked (#n) are the disagreement classes of issue 14.
 */

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const S = 1000;

function hpaPolicy(over: Partial<Policy> = {}): Policy {
  return {
    ...DEFAULT_POLICY,
    minReplicas: 1,
    maxReplicas: 20,
    cooldownSeconds: 0,
    targets: { cpu_percent: 50 },
    hpaCompatible: true,
    ...over,
  };
}

/** Instances 1..n; `notReady` of them (the last ones) not ready. */
function pods(n: number, notReady = 0): InstanceState[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, ready: i < n - notReady }));
}

/** Per-instance means by instance id (1-based); undefined = no samples. */
function perPod(values: (number | undefined)[]): MetricInput {
  const m = new Map<number, number>();
  values.forEach((v, i) => {
    if (v !== undefined) m.set(i + 1, v);
  });
  return { perInstance: m };
}

/** One evaluation of the engine with an empty history; returns the desired count. */
function once(opts: {
  policy?: Partial<Policy>;
  current: number;
  instances?: InstanceState[];
  metrics: Partial<Record<ScalingMetric, MetricInput>>;
  reported?: ScalingMetric[];
}): number[] {
  const metrics = opts.metrics;
  const d = decide({
    appName: 'k8s',
    policy: hpaPolicy(opts.policy),
    currentReplicas: opts.current,
    instances: opts.instances ?? pods(opts.current),
    metrics,
    reported: new Set(opts.reported ?? (Object.keys(metrics) as ScalingMetric[])),
    history: [],
    scaleEvents: [],
    now: T0,
    options: HPA_OPTIONS,
  });
  return [d.desiredReplicas];
}

interface Step {
  t: number;
  current: number;
  /** Every instance's CPU mean; undefined = the metric is reported but has no samples. */
  cpu: number | undefined;
}

/** A sequence of evaluations through the simulator's controller (its kept history). */
function sequence(policy: Partial<Policy>, steps: Step[]): number[] {
  const c = engineController('k8s', hpaPolicy(policy), HPA_OPTIONS, 15);
  return steps.map((s) =>
    c.evaluate({
      now: T0 + s.t * S,
      currentReplicas: s.current,
      instances: pods(s.current),
      metrics: {
        cpu_percent: perPod(Array.from({ length: s.current }, () => s.cpu)),
      },
    }),
  );
}

/** The same sequence through the control loop's history handling (scaling_decisions rows). */
async function loopSequence(policy: Partial<Policy>, steps: Step[]): Promise<number[]> {
  const store = new RowHistoryStore();
  const out: number[] = [];
  for (const s of steps) {
    const { decision } = await evaluateRecorded(
      store,
      {
        appName: 'k8s',
        policy: hpaPolicy(policy),
        currentReplicas: s.current,
        instances: pods(s.current),
        metrics: { cpu_percent: perPod(Array.from({ length: s.current }, () => s.cpu)) },
        reported: new Set<ScalingMetric>(['cpu_percent']),
        now: T0 + s.t * S,
        options: HPA_OPTIONS,
      },
      store.lastScaledAt,
      true,
    );
    out.push(decision.desiredReplicas);
  }
  return out;
}

const window = (seconds: number) => ({
  scaleDown: { ...HPA_SCALE_DOWN, stabilizationSeconds: seconds },
});

interface Rule {
  rule: string;
  source: string;
  run: () => number[] | Promise<number[]>;
  k8s: number[];
}

const RULES: Rule[] = [
  {
    rule: 'ratio: 3 pods at CPU 90, target 50 -> ceil(3 x 1.8) = 6',
    source:
      'docs "Algorithm details": desiredReplicas = ceil[currentReplicas * ( currentMetricValue / desiredMetricValue )]',
    run: () => once({ current: 3, metrics: { cpu_percent: perPod([90, 90, 90]) } }),
    k8s: [6],
  },
  {
    rule: 'tolerance: ratio 1.08 proposes no change',
    source:
      'docs: "If the ratio is sufficiently close to 1.0 (within a configurable tolerance, 0.1 by default), the control plane skips any scaling action"',
    run: () => once({ current: 3, metrics: { cpu_percent: perPod([54, 54, 54]) } }),
    k8s: [3],
  },
  {
    rule: '(#1) memory: not-ready pods with samples count like ready ones: 4 pods at 100 (2 not ready), target 50 -> 8',
    source:
      'replica_calculator.go groupPods: unready pods are set aside only `if resource == v1.ResourceCPU`',
    run: () =>
      once({
        policy: { targets: { memory_percent: 50 } },
        current: 4,
        instances: pods(4, 2),
        metrics: { memory_percent: perPod([100, 100, 100, 100]) },
      }),
    k8s: [8],
  },
  {
    rule: 'CPU: not-ready pods are set aside and count as 0% on a scale-up: 2 ready at 100, 2 not ready -> 4',
    source:
      'replica_calculator.go GetResourceReplicas: scaleUpWithUnready, "treat unready pods as using 0% of the resource request"',
    run: () =>
      once({
        current: 4,
        instances: pods(4, 2),
        metrics: { cpu_percent: perPod([100, 100, 100, 100]) },
      }),
    k8s: [4],
  },
  {
    rule: '(#2) a not-ready pod without samples is missing: 2 ready at CPU 10, 2 not ready silent, target 50 -> 3',
    source:
      'replica_calculator.go groupPods: "Pods missing metrics" is checked before readiness; docs: missing pods count as "100% of the desired value in case of a scale down"',
    run: () =>
      once({
        current: 4,
        instances: pods(4, 2),
        metrics: { cpu_percent: perPod([10, 10, undefined, undefined]) },
      }),
    k8s: [3],
  },
  {
    rule: '(#3) no counted pod has samples: the metric is invalid, never sized from an app mean -> 3',
    source:
      'replica_calculator.go GetResourceReplicas: `if len(metrics) == 0` -> "did not receive metrics for targeted pods (pods might be unready)"',
    run: () =>
      once({
        current: 3,
        instances: pods(3, 1),
        // metric-windows.ts derives an app mean from the not-ready pod's rows.
        metrics: { cpu_percent: { ...perPod([undefined, undefined, 90]), app: 90 } },
      }),
    k8s: [3],
  },
  {
    rule: '(#4) usage exactly at target: missing pods are not filled -> 4',
    source:
      'replica_calculator.go: missing pods are filled only `if usageRatio < 1.0` / `else if usageRatio > 1.0`',
    run: () =>
      once({ current: 4, metrics: { cpu_percent: perPod([50, 50, undefined, undefined]) } }),
    k8s: [4],
  },
  {
    rule: 'missing pods count as 0% on a scale-up: 2 at 150, 2 missing, target 50 -> ceil(4 x 1.5) = 6',
    source:
      'replica_calculator.go: "on a scale-up, treat missing pods as using 0% of the resource request"',
    run: () =>
      once({ current: 4, metrics: { cpu_percent: perPod([150, 150, undefined, undefined]) } }),
    k8s: [6],
  },
  {
    rule: 'an invalid metric blocks a scale-down: CPU asks 1, memory reported without samples -> 4',
    source:
      'horizontal.go computeReplicasForMetrics: `invalidMetricsCount > 0 && replicas < specReplicas` returns an error',
    run: () =>
      once({
        policy: { targets: { cpu_percent: 50, memory_percent: 50 } },
        current: 4,
        metrics: { cpu_percent: perPod([5, 5, 5, 5]) },
        reported: ['cpu_percent', 'memory_percent'],
      }),
    k8s: [4],
  },
  {
    rule: 'an invalid metric does not block a scale-up: CPU asks 8, memory silent -> 8',
    source:
      'horizontal.go computeReplicasForMetrics: the valid metrics scale up when replicas >= specReplicas',
    run: () =>
      once({
        policy: { targets: { cpu_percent: 50, memory_percent: 50 } },
        current: 4,
        metrics: { cpu_percent: perPod([100, 100, 100, 100]) },
        reported: ['cpu_percent', 'memory_percent'],
      }),
    k8s: [8],
  },
  {
    rule: 'the largest proposal wins: CPU -> 4, rps -> 6',
    source:
      'docs: "calculate proposed replica counts for each metric, and then choose the one with the highest" (computeReplicasForMetrics)',
    run: () =>
      once({
        policy: { targets: { cpu_percent: 50, rps: 10 } },
        current: 3,
        metrics: { cpu_percent: perPod([60, 60, 60]), rps: perPod([20, 20, 20]) },
      }),
    k8s: [6],
  },
  {
    rule: 'an object metric (latency) reads linearly over ready pods: p95 500 vs 250 on 3 -> 6',
    source: 'replica_calculator.go getUsageRatioReplicaCount: ceil(usageRatio * readyPodCount)',
    run: () =>
      once({
        policy: { targets: { latency_p95: 250 } },
        current: 3,
        metrics: { latency_p95: { app: 500, baseline: 60 } },
      }),
    k8s: [6],
  },
  {
    rule: 'rate limit: 100% or 4 pods per 15 s, whichever is more: 2 -> 6, not 20',
    source:
      'horizontal.go calculateScaleUpLimitWithScalingRules; docs default behavior scaleUp policies',
    run: () => once({ current: 2, metrics: { cpu_percent: perPod([500, 500]) } }),
    k8s: [6],
  },
  {
    rule: 'stabilization: a scale-down takes the highest recommendation of the window',
    source:
      'horizontal.go stabilizeRecommendationWithBehaviors; docs: "selects the highest recommendation from within that window"',
    run: () =>
      sequence(window(60), [
        { t: 0, current: 6, cpu: 50 },
        { t: 15, current: 6, cpu: 25 },
        { t: 61, current: 6, cpu: 25 },
      ]),
    k8s: [6, 6, 3],
  },
  {
    rule: '(#5) the first recommendation is kept: 5 pods at CPU 10, window 300 s -> 5,5,5 then 1',
    source:
      'horizontal.go reconcileAutoscaler: `if a.recommendations[key] == nil` it records {currentReplicas, now}',
    run: () =>
      loopSequence(window(300), [
        { t: 0, current: 5, cpu: 10 },
        { t: 100, current: 5, cpu: 10 },
        { t: 200, current: 5, cpu: 10 },
        { t: 300, current: 5, cpu: 10 },
      ]),
    k8s: [5, 5, 5, 1],
  },
  {
    rule: '(#6) a gap as long as the history does not reseed: windows 60 s, 60 s gap, ratio 1.55 -> 2',
    source:
      'horizontal.go reconcileAutoscaler: the seed is written only while no recommendation exists',
    run: () =>
      loopSequence({ ...window(60), scaleUp: { ...HPA_SCALE_UP, stabilizationSeconds: 60 } }, [
        { t: 0, current: 1, cpu: 50 },
        { t: 60, current: 1, cpu: 77.5 },
      ]),
    k8s: [1, 2],
  },
  {
    rule: '(#7) an evaluation with invalid metrics records nothing: 6,6,6,6 then CPU for 2 -> 2',
    source:
      'horizontal.go reconcileAutoscaler: computeReplicasForMetrics fails -> return before normalizeDesiredReplicas',
    run: () =>
      sequence(window(60), [
        { t: 0, current: 6, cpu: 50 },
        { t: 15, current: 6, cpu: undefined },
        { t: 30, current: 6, cpu: undefined },
        { t: 45, current: 6, cpu: undefined },
        { t: 60, current: 6, cpu: undefined },
        { t: 75, current: 6, cpu: 50 / 3 },
      ]),
    k8s: [6, 6, 6, 6, 6, 2],
  },
  {
    rule: '(#8) a count corrected into [min, max] is no recommendation: 5, 12 -> 10, then CPU for 5 -> 5',
    source:
      'horizontal.go reconcileAutoscaler: the `currentReplicas > MaxReplicas` / `< minReplicas` branches never reach normalizeDesiredReplicas',
    run: () =>
      sequence({ ...window(60), maxReplicas: 10 }, [
        { t: 0, current: 5, cpu: 50 },
        { t: 15, current: 12, cpu: 50 },
        { t: 30, current: 10, cpu: 25 },
      ]),
    k8s: [5, 10, 5],
  },
];

describe('Kubernetes HPA rules (hpa_compatible)', () => {
  it.each(RULES)('$rule', async ({ run, k8s }) => {
    expect(await run()).toEqual(k8s);
  });

  it('the history rules hold the same through the control loop and the simulator', async () => {
    const steps: Step[] = [
      { t: 0, current: 6, cpu: 50 },
      { t: 15, current: 6, cpu: undefined },
      { t: 30, current: 6, cpu: 10 },
      { t: 75, current: 6, cpu: 10 },
      { t: 140, current: 2, cpu: 80 },
    ];
    expect(await loopSequence(window(60), steps)).toEqual(sequence(window(60), steps));
  });
});
