import { DEFAULT_POLICY, ENGINE_OPTIONS, HPA_OPTIONS } from '../defaults.js';
import type { Policy } from '../types.js';
import { engineController, thresholdController } from './controllers.js';
import { DEFAULT_SERVICE, type ServiceModel } from './service.js';
import { type SimOptions, type SimResult, simulate } from './simulate.js';
import { TRACES, type Trace } from './traces.js';

/**
 * The policy every controller gets: the defaults (HPA behaviour, seed
 * thresholds, cooldown) with the service's own targets: CPU 70% and the
 * latency objective as the p95 target, 2..30 replicas.
 */
export function simPolicy(model: ServiceModel = DEFAULT_SERVICE): Policy {
  return {
    ...DEFAULT_POLICY,
    minReplicas: 2,
    maxReplicas: 30,
    targets: { cpu_percent: 70, rps: model.capacityRps * 0.7, latency_p95: model.sloP95Ms },
    evaluationWindowSeconds: 15,
  };
}

export const SIM_OPTIONS: SimOptions = {
  initialReplicas: 3,
  windowSeconds: 15,
  flapWindowSeconds: 300,
};

/** Evaluation periods: the HPA's default sync period, our control loop's default. */
export const HPA_SYNC_SECONDS = 15;
export const ENGINE_INTERVAL_SECONDS = 5;

/** Every trace through our engine, the HPA defaults and the seed's thresholds. */
export function compareControllers(
  model: ServiceModel = DEFAULT_SERVICE,
  traces: readonly Trace[] = TRACES.map((make) => make()),
): SimResult[] {
  const policy = simPolicy(model);
  const out: SimResult[] = [];
  for (const trace of traces) {
    const controllers = [
      engineController('autoserve', policy, ENGINE_OPTIONS, ENGINE_INTERVAL_SECONDS),
      engineController(
        'hpa-default',
        { ...policy, hpaCompatible: true },
        HPA_OPTIONS,
        HPA_SYNC_SECONDS,
      ),
      thresholdController(policy, HPA_SYNC_SECONDS),
    ];
    for (const c of controllers) out.push(simulate(trace, c, model, SIM_OPTIONS));
  }
  return out;
}
