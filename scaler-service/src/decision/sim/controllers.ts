import { evaluateWithHistory, historySeconds, MemoryHistory } from '../history.js';
import { thresholdDecide } from '../threshold.js';
import type { EngineOptions, InstanceState, MetricInput, Policy, ScalingMetric } from '../types.js';

/** What a controller sees at an evaluation. */
export interface SimView {
  now: number;
  currentReplicas: number;
  instances: readonly InstanceState[];
  metrics: Partial<Record<ScalingMetric, MetricInput>>;
}

/** An autoscaler under test: evaluated every `intervalSeconds`, returns the replicas it wants. */
export interface Controller {
  name: string;
  intervalSeconds: number;
  evaluate(view: SimView): number;
}

/** The decision engine with its recommendation history, kept as the control loop keeps it. */
export function engineController(
  name: string,
  policy: Policy,
  options: EngineOptions,
  intervalSeconds: number,
): Controller {
  const history = new MemoryHistory(historySeconds(policy) * 1000);
  return {
    name,
    intervalSeconds,
    evaluate(view) {
      const { decision, writes } = evaluateWithHistory(history.view(view.now), {
        appName: 'sim',
        policy,
        currentReplicas: view.currentReplicas,
        instances: view.instances,
        metrics: view.metrics,
        reported: new Set(Object.keys(view.metrics) as ScalingMetric[]),
        now: view.now,
        options,
      });
      history.apply(writes);
      return decision.desiredReplicas;
    },
  };
}

/** The seed's threshold algorithm over the same window means. */
export function thresholdController(policy: Policy, intervalSeconds: number): Controller {
  let lastScaledAt: number | undefined;
  return {
    name: 'threshold (seed)',
    intervalSeconds,
    evaluate(view) {
      const values: Partial<Record<ScalingMetric, number>> = {};
      for (const [metric, m] of Object.entries(view.metrics) as [ScalingMetric, MetricInput][]) {
        if (m.app === undefined) continue;
        values[metric] =
          metric === 'rps' || metric === 'active_connections'
            ? m.app / Math.max(1, view.currentReplicas)
            : m.app;
      }
      const d = thresholdDecide({
        policy,
        currentReplicas: view.currentReplicas,
        values,
        ...(lastScaledAt === undefined ? {} : { lastScaledAt }),
        now: view.now,
      });
      if (d.desiredReplicas !== view.currentReplicas) lastScaledAt = view.now;
      return d.desiredReplicas;
    },
  };
}
