import { decide } from '../engine.js';
import { thresholdDecide } from '../threshold.js';
import type {
  EngineOptions,
  InstanceState,
  MetricInput,
  Policy,
  Recommendation,
  ScaleEvent,
  ScalingMetric,
} from '../types.js';

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

/** The decision engine with its recommendation history, as the control loop runs it. */
export function engineController(
  name: string,
  policy: Policy,
  options: EngineOptions,
  intervalSeconds: number,
): Controller {
  const history: Recommendation[] = [];
  const events: ScaleEvent[] = [];
  let lastScaledAt: number | undefined;
  const keepMs =
    1000 *
    Math.max(
      policy.scaleUp.stabilizationSeconds,
      policy.scaleDown.stabilizationSeconds,
      ...policy.scaleUp.policies.map((p) => p.periodSeconds),
      ...policy.scaleDown.policies.map((p) => p.periodSeconds),
    );
  return {
    name,
    intervalSeconds,
    evaluate(view) {
      // As the HPA on creation: the current count seeds the down window, so
      // the first evaluations do not scale down on no history.
      if (history.length === 0) history.push({ at: view.now, replicas: view.currentReplicas });
      const d = decide({
        appName: 'sim',
        policy,
        currentReplicas: view.currentReplicas,
        instances: view.instances,
        metrics: view.metrics,
        reported: new Set(Object.keys(view.metrics) as ScalingMetric[]),
        history,
        scaleEvents: events,
        ...(lastScaledAt === undefined ? {} : { lastScaledAt }),
        now: view.now,
        options,
      });
      history.push({ at: view.now, replicas: d.recommendedReplicas });
      while (history.length && history[0]!.at < view.now - keepMs) history.shift();
      if (d.desiredReplicas !== view.currentReplicas) {
        events.push({ at: view.now, change: d.desiredReplicas - view.currentReplicas });
        lastScaledAt = view.now;
      }
      while (events.length && events[0]!.at < view.now - keepMs) events.shift();
      return d.desiredReplicas;
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
