import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { Decision, Proposal } from '../decision/types.js';
import type { DecisionRow } from '../queries/decisions.js';
import { metricTypeCodec } from '../validation/enums.js';

const ACTION = { none: 1, scale_up: 2, scale_down: 3 } as const;

function actionOf(current: number, desired: number): number {
  return desired > current ? ACTION.scale_up : desired < current ? ACTION.scale_down : ACTION.none;
}

function proposalToProto(p: Proposal) {
  return {
    metricType: metricTypeCodec.fromDb(p.metric),
    currentValue: p.currentValue,
    targetValue: p.targetValue,
    ratio: Number.isFinite(p.ratio) ? p.ratio : 0,
    proposedReplicas: p.proposedReplicas,
    withinTolerance: p.withinTolerance,
    note: p.note,
  };
}

/** An engine decision as a ScalingDecision message init object. */
export function decisionToProto(d: Decision, acted: boolean) {
  const ms = d.cooldownRemainingMs;
  return {
    appName: d.appName,
    evaluatedAt: timestampFromMs(d.evaluatedAt),
    currentReplicas: d.currentReplicas,
    recommendedReplicas: d.recommendedReplicas,
    desiredReplicas: d.desiredReplicas,
    action: ACTION[d.action],
    proposals: d.proposals.map(proposalToProto),
    winningMetric: metricTypeCodec.fromDb(d.winningMetric),
    limitedBy: d.limitedBy,
    reasons: d.reasons,
    ...(ms > 0
      ? { cooldownRemaining: { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 } }
      : {}),
    acted,
  };
}

/** A stored scaling_decisions row as a ScalingDecision message init object. */
export function decisionRowToProto(r: DecisionRow) {
  return {
    appName: r.app_name,
    evaluatedAt: timestampFromMs(r.decided_at.getTime()),
    currentReplicas: r.current_replicas,
    recommendedReplicas: r.recommended_replicas,
    desiredReplicas: r.desired_replicas,
    action: actionOf(r.current_replicas, r.desired_replicas),
    proposals: ((r.proposals ?? []) as unknown as Proposal[]).map(proposalToProto),
    winningMetric: metricTypeCodec.fromDb(r.winning_metric),
    limitedBy: r.limited_by ?? '',
    reasons: r.reasons ?? [],
    acted: r.acted,
  };
}
