import type { EngineOptions, Policy, ScalingRules } from './types.js';

/** HPA autoscaling/v2 default scale-up behaviour: 100% or 4 pods per 15 s, whichever is more. */
export const HPA_SCALE_UP: ScalingRules = {
  tolerance: 0.1,
  stabilizationSeconds: 0,
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
  selectPolicy: 'Max',
};

/** HPA autoscaling/v2 default scale-down behaviour: 300 s window, 100% per 15 s. */
export const HPA_SCALE_DOWN: ScalingRules = {
  tolerance: 0.1,
  stabilizationSeconds: 300,
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  selectPolicy: 'Max',
};

/**
 * The policy an app gets when it sets nothing: the seed's targets and bounds
 * (same values as the scaling_policies column defaults) with HPA behaviour.
 */
export const DEFAULT_POLICY: Policy = {
  minReplicas: 1,
  maxReplicas: 5,
  targets: {
    rps: 50,
    latency_p95: 250,
    cpu_percent: 70,
    memory_percent: 75,
    active_connections: 100,
  },
  weights: {
    cpu_percent: 1,
    memory_percent: 1,
    rps: 1,
    latency_p95: 1.5,
    active_connections: 0.8,
  },
  cooldownSeconds: 180,
  evaluationWindowSeconds: 60,
  scaleOutThresholdPct: 80,
  scaleInThresholdPct: 30,
  maxScaleOutStep: 0,
  maxScaleInStep: 1,
  scaleUp: HPA_SCALE_UP,
  scaleDown: HPA_SCALE_DOWN,
  scaleToZeroIdleSeconds: 0,
  activationMetric: 'rps',
  activationThreshold: 0,
  hpaCompatible: false,
};

/** Pure HPA: no prediction. */
export const HPA_OPTIONS: EngineOptions = {
  predictiveLeadSeconds: 0,
  queueAwareLatency: false,
  latencyHeadroom: 1,
  levelWhenHot: false,
  peakMemory: 0,
};

/**
 * Our engine's defaults. A lead of 10 s covers the typical start-up of a new
 * instance (image already local, process listening, first probe passed), so
 * capacity ordered now is ready when the predicted load arrives; the control
 * loop replaces it with the measured start-up time when it has one.
 * Queue-aware latency keeps a saturated p95 (seconds of queueing) from
 * asking for 20x the replicas: a linear reading overshoots and the down
 * stabilization window then holds the overshoot for minutes. It sizes to 80%
 * of the objective, a level-at-now reading sizes the jump while p95 is over
 * it, and a scale-down keeps half the recent peak for a second window: the
 * design that won on both trace families of `npm run bench -- control`
 * (issue 14), not a fit to one of them.
 */
export const ENGINE_OPTIONS: EngineOptions = {
  predictiveLeadSeconds: 10,
  queueAwareLatency: true,
  latencyHeadroom: 0.8,
  levelWhenHot: true,
  peakMemory: 0.5,
};
