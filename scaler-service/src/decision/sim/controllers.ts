import { evaluateWithHistory, MemoryHistory } from '../history.js';
import { scaleUpLimit } from '../rate-limit.js';
import { thresholdDecide } from '../threshold.js';
import type {
  EngineOptions,
  InstanceState,
  MetricInput,
  Policy,
  ScaleEvent,
  ScalingMetric,
} from '../types.js';
import type { ServiceModel } from './service.js';
import type { Trace } from './traces.js';

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
  const history = new MemoryHistory(policy);
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

/**
 * The reactive floor: a controller that knows the offered load of this very
 * second exactly (no window, no sampling delay), evaluates every second,
 * asks for the replicas that keep p95 at the objective under the same
 * scale-up rate policy and start-up delay as the others, and never removes a
 * replica (whatever it had stays ready). Its SLO-violation seconds are what
 * a controller reacting to measured load cannot beat on a trace without
 * holding capacity it was never shown a need for: a tie with it is the rate
 * policy's and the start-up delay's limit, not the controller's.
 */
export function reactiveFloorController(
  policy: Policy,
  model: ServiceModel,
  trace: Trace,
): Controller {
  const events: ScaleEvent[] = [];
  // p95 = base / (1 - u) <= objective.
  const perReplica = model.capacityRps * (1 - model.baseP95Ms / model.sloP95Ms);
  return {
    name: 'reactive floor',
    intervalSeconds: 1,
    evaluate(view) {
      const t = view.now / 1000;
      const want = Math.ceil(trace.rpsAt(t) / perReplica - 1e-9);
      const cap = scaleUpLimit(view.currentReplicas, events, policy.scaleUp, view.now).limit;
      const desired = Math.max(
        policy.minReplicas,
        view.currentReplicas,
        Math.min(policy.maxReplicas, want, cap),
      );
      if (desired !== view.currentReplicas) {
        events.push({ at: view.now, change: desired - view.currentReplicas });
      }
      return desired;
    },
  };
}
