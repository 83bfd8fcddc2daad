import type {
  SuggestRemediationsRequest,
  SuggestRemediationsResponseSchema,
} from '@autoserve/proto/context/v1';
import { countOrDefault } from '@autoserve/runtime';
import type { Row } from '@autoserve/runtime/model';
import { durationOfSeconds } from '@autoserve/runtime/model';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { outcomeOf } from '../similarity/outcome.js';
import { type Evidence, suggestRemediations } from '../similarity/suggest.js';
import { type HandlerDeps, readInfoOf } from './deps.js';
import { createNearestSearch, planToProto } from './nearest.js';

type Response = MessageInitShape<typeof SuggestRemediationsResponseSchema>;

/** Seconds from a workflow's start to its end, when it has both. */
function durationSecondsOf(r: Row): number | undefined {
  const started = r.we_started_at;
  const completed = r.we_completed_at;
  if (!(started instanceof Date) || !(completed instanceof Date)) return undefined;
  const ms = completed.getTime() - started.getTime();
  return ms >= 0 ? ms / 1000 : undefined;
}

/** One neighbour as evidence for the remediation it was handled with. */
function evidenceOf(r: Row): Evidence {
  return {
    incidentId: BigInt(String(r.ie_id)),
    similarity: 1 - Number(r.distance),
    workflowName: r.we_workflow_name ? String(r.we_workflow_name) : '',
    action: r.ie_remediation_action ? String(r.ie_remediation_action) : '',
    outcome: outcomeOf(r.rr_phase as string | null, r.we_phase as string | null),
    durationSeconds: durationSecondsOf(r),
  };
}

/**
 * SuggestRemediations: "what worked last time". The k nearest past incidents (the same search,
 * plan and filters as SearchSimilarIncidents), grouped by the remediation applied, ranked by the
 * lower bound of the similarity-weighted success rate (similarity/suggest.ts says why).
 */
export function createSuggestRemediationsHandler(deps: HandlerDeps) {
  const nearest = createNearestSearch(deps);
  return async function suggestRemediationsRpc(
    req: SuggestRemediationsRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const neighbors = countOrDefault('neighbors', req.neighbors, 50, 500);
    const limit = countOrDefault('limit', req.limit, 5, 50);
    const routed = await nearest(req, neighbors, ctx);
    const { rows, plan } = routed.value;
    const suggestions = suggestRemediations(rows.map(evidenceOf), limit);
    return {
      suggestions: suggestions.map((s) => ({
        workflowName: s.workflowName,
        action: s.action,
        successRate: s.successRate,
        successRateLower: s.lower,
        successRateUpper: s.upper,
        supportingIncidents: BigInt(s.supporting),
        succeeded: BigInt(s.succeeded),
        failed: BigInt(s.failed),
        undecided: BigInt(s.undecided),
        effectiveSupport: s.effectiveSupport,
        maxSimilarity: s.maxSimilarity,
        meanSimilarity: s.meanSimilarity,
        typicalDuration:
          s.medianDurationSeconds === undefined
            ? undefined
            : durationOfSeconds(s.medianDurationSeconds),
        evidenceIncidentIds: s.evidence,
      })),
      neighborsConsidered: rows.length,
      plan: planToProto(plan),
      readInfo: readInfoOf(ctx, routed),
    };
  };
}
