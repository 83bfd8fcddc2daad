import { ENGINE_OPTIONS, HPA_OPTIONS } from './defaults.js';
import { computeProposals } from './proposals.js';
import { scaleDownLimit, scaleUpLimit } from './rate-limit.js';
import { lastReversal, risingFrom, stabilize } from './stabilize.js';
import type { Action, Decision, EngineInput, Proposal } from './types.js';
import { fromZero, idleLongEnough, round, scaleToZeroEnabled } from './zero.js';

function actionOf(current: number, desired: number): Action {
  if (desired > current) return 'scale_up';
  if (desired < current) return 'scale_down';
  return 'none';
}

function describe(p: Proposal): string {
  if (p.missing) return `${p.metric}: ${p.note}`;
  const head = `${p.metric} ${round(p.currentValue)} vs target ${p.targetValue} (ratio ${round(p.ratio)})`;
  const tail = p.withinTolerance ? 'within tolerance' : `-> ${p.proposedReplicas}`;
  return `${head} ${tail}${p.note ? ` [${p.note}]` : ''}`;
}

/**
 * The down rules in force: the policy's, with the window doubled while a
 * reversal is remembered (said in the reasons when a scale-down is asked for).
 */
function downRules(input: EngineInput, memory: boolean, recommended: number, reasons: string[]) {
  const rules = input.policy.scaleDown;
  const undone = memory
    ? lastReversal(input.scaleEvents, rules.stabilizationSeconds, input.now)
    : undefined;
  if (!undone) return rules;
  const seconds = 2 * rules.stabilizationSeconds;
  if (recommended < input.currentReplicas) {
    const at = new Date(undone.at).toISOString();
    reasons.push(`reversal memory: the scale-down at ${at} was undone, down window ${seconds}s`);
  }
  return { ...rules, stabilizationSeconds: seconds };
}

/**
 * The scaling decision for one app at `now`: HPA autoscaling/v2 semantics
 * (per-metric ratio proposals, largest wins, tolerance, stabilization window
 * over the recorded recommendations, Pods/Percent rate policies against the
 * replicas at the start of each period, min/max), plus a scale-down cooldown,
 * KEDA-style scale to zero and activation, and (ENGINE_OPTIONS) a predictive
 * lead on rising load. Pure: same input, same decision.
 */
export function decide(input: EngineInput): Decision {
  const { policy, currentReplicas: current, now } = input;
  // One switch turns every addition off: what is left is the HPA algorithm.
  const hpa = policy.hpaCompatible;
  const options = hpa ? HPA_OPTIONS : { ...ENGINE_OPTIONS, ...input.options };
  const proposals = computeProposals(input, options);
  const reasons = proposals.map(describe);
  const cooldownMs = hpa ? 0 : policy.cooldownSeconds * 1000;
  const sinceScaled = input.lastScaledAt === undefined ? Infinity : now - input.lastScaledAt;
  const cooldownRemainingMs = Math.max(0, cooldownMs - sinceScaled);
  const result = (
    recommended: number,
    desired: number,
    limitedBy: string,
    winner?: Proposal,
    record = true,
  ): Decision => ({
    appName: input.appName,
    evaluatedAt: now,
    currentReplicas: current,
    recommendedReplicas: recommended,
    desiredReplicas: desired,
    action: actionOf(current, desired),
    proposals,
    winningMetric: winner?.metric,
    limitedBy,
    reasons,
    cooldownRemainingMs,
    record,
  });

  if (current === 0) {
    const z = fromZero(input);
    reasons.push(z.reason);
    // Below a min above 0 is a bounds correction (recorded nothing), as below.
    return result(z.replicas, z.replicas, z.limitedBy, undefined, policy.minReplicas === 0);
  }
  const zeroOk = !hpa && scaleToZeroEnabled(input);
  const floor = policy.minReplicas === 0 && !zeroOk ? 1 : policy.minReplicas;
  // As the HPA (reconcileAutoscaler): out-of-bounds counts are corrected
  // before any metric counts, and the correction is no recommendation.
  if (current > policy.maxReplicas) {
    reasons.push(`above max_replicas ${policy.maxReplicas}`);
    return result(policy.maxReplicas, policy.maxReplicas, 'max_replicas', undefined, false);
  }
  if (current < floor) {
    reasons.push(`below min_replicas ${floor}`);
    return result(floor, floor, 'min_replicas', undefined, false);
  }

  let limitedBy = '';
  let winner: Proposal | undefined;
  for (const p of proposals) {
    if (!p.missing && (!winner || p.proposedReplicas > winner.proposedReplicas)) winner = p;
  }
  const recommended = winner?.proposedReplicas ?? current;
  if (winner) reasons.push(`winning metric ${winner.metric}: ${recommended}`);
  else
    reasons.push(proposals.length ? 'no metric has data: holding' : 'no scaling metric reported');

  if (zeroOk && idleLongEnough(input)) {
    reasons.push(`idle for ${policy.scaleToZeroIdleSeconds}s: scale to zero`);
    return result(0, 0, 'scale to zero (idle)', winner);
  }
  // HPA computeReplicasForMetrics: with every metric invalid, or some invalid
  // and the rest asking for fewer, the evaluation fails before normalization:
  // no change and nothing recorded (a recorded "current" would hold later
  // moves for a whole window).
  if (!winner || (recommended < current && proposals.some((p) => p.missing))) {
    if (winner) {
      limitedBy = 'missing metrics (no scale-down)';
      reasons.push('some metrics are missing: no scale-down (as the HPA)');
    }
    reasons.push(`keep ${current} (nothing recorded)`);
    return result(current, current, limitedBy, winner, false);
  }

  const down = downRules(input, options.reversalMemory, recommended, reasons);
  const st = stabilize(current, recommended, input.history, policy.scaleUp, down, now);
  let desired = st.replicas;
  if (desired !== recommended) {
    limitedBy = st.limitedBy;
    reasons.push(`${st.limitedBy}: ${recommended} -> ${desired}`);
  }
  if (desired < current && options.holdDownWhileRising) {
    const low = risingFrom(input, recommended);
    if (low !== undefined) {
      limitedBy = 'rising demand';
      reasons.push(
        `rising demand: ${recommended} is above the window's low of ${low}, no scale-down`,
      );
      desired = current;
    }
  }
  if (desired > current) {
    const lim = scaleUpLimit(current, input.scaleEvents, policy.scaleUp, now);
    const cap = Math.min(policy.maxReplicas, lim.limit);
    if (desired > cap) {
      limitedBy = lim.limit < policy.maxReplicas ? lim.by : 'max_replicas';
      reasons.push(`${limitedBy}: ${desired} -> ${cap}`);
      desired = cap;
    }
  } else if (desired < current) {
    const lim = scaleDownLimit(current, input.scaleEvents, policy.scaleDown, now);
    const low = Math.max(floor, lim.limit);
    if (desired < low) {
      limitedBy = lim.limit > floor ? lim.by : 'min_replicas';
      reasons.push(`${limitedBy}: ${desired} -> ${low}`);
      desired = low;
    }
    if (desired < current && cooldownRemainingMs > 0) {
      limitedBy = 'cooldown';
      reasons.push(
        `cooldown: ${Math.ceil(cooldownRemainingMs / 1000)}s left of ${policy.cooldownSeconds}s since the last scaling`,
      );
      desired = current;
    }
  }
  reasons.push(
    desired === current
      ? `keep ${current}`
      : `${actionOf(current, desired)} ${current} -> ${desired}`,
  );
  return result(recommended, desired, limitedBy, winner);
}
