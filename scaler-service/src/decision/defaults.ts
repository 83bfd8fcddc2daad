import { POLICY_DEFAULTS } from '@autoserve/runtime/model';
import { toEnginePolicy } from '../control/policy.js';
import type { EngineOptions, Policy, ScalingRules } from './types.js';

/**
 * The policy an app gets when it sets nothing: the defaults table (runtime/src/model/defaults.ts,
 * checked against the scaling_policies column DEFAULTs) read as the engine reads a stored row.
 */
export const DEFAULT_POLICY: Policy = toEnginePolicy(POLICY_DEFAULTS);

/** HPA autoscaling/v2 default scale-up behaviour: 100% or 4 pods per 15 s, whichever is more. */
export const HPA_SCALE_UP: ScalingRules = DEFAULT_POLICY.scaleUp;

/** HPA autoscaling/v2 default scale-down behaviour: 300 s window, 100% per 15 s. */
export const HPA_SCALE_DOWN: ScalingRules = DEFAULT_POLICY.scaleDown;

/** Pure HPA: no prediction. */
export const HPA_OPTIONS: EngineOptions = {
  predictiveLeadSeconds: 0,
  queueAwareLatency: false,
  latencyHeadroom: 1,
  levelWhenHot: false,
  holdDownWhileRising: false,
  reversalMemory: false,
};

/**
 * Our engine's defaults. A lead of 10 s covers the typical start-up of a new
 * instance (image already local, process listening, first probe passed), so
 * capacity ordered now is ready when the predicted load arrives; the control
 * loop replaces it with the measured start-up time when it has one.
 * Queue-aware latency keeps a saturated p95 (seconds of queueing) from
 * asking for 20x the replicas: a linear reading overshoots and the down
 * stabilization window then holds the overshoot for minutes. It sizes to 80%
 * of the objective, and a level-at-now reading sizes the jump while p95 is
 * over it. No scale-down is taken while demand climbs back from its low, and
 * an app whose scale-down was undone inside the window gets a doubled window
 * for six windows. That is the design that won on both trace families of
 * `npm run bench -- control` (issue 14) and on held-out seeds and service
 * models, not a fit to one of them. It replaced a recent-peak floor (half the
 * peak of two windows), which with these two gave 0.7% fewer SLO-violation
 * seconds for 2.7% more replica-seconds and put the total above the HPA's on
 * two of four held-out service models.
 */
export const ENGINE_OPTIONS: EngineOptions = {
  predictiveLeadSeconds: 10,
  queueAwareLatency: true,
  latencyHeadroom: 0.8,
  levelWhenHot: true,
  holdDownWhileRising: true,
  reversalMemory: true,
};
