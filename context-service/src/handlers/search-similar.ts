import type {
  SearchSimilarIncidentsRequest,
  SearchSimilarIncidentsResponseSchema,
} from '@autoserve/proto/context/v1';
import { countOrDefault } from '@autoserve/runtime';
import { toIncident, toRemediationRequest, toWorkflowExecution } from '@autoserve/runtime/model';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { outcomeOf } from '../similarity/outcome.js';
import { type HandlerDeps, readInfoOf } from './deps.js';
import { createNearestSearch, planToProto } from './nearest.js';

type Response = MessageInitShape<typeof SearchSimilarIncidentsResponseSchema>;

/** SearchSimilarIncidents: nearest incidents, with the plan chosen per query. */
export function createSearchSimilarHandler(deps: HandlerDeps) {
  const nearest = createNearestSearch(deps);
  return async function searchSimilarIncidents(
    req: SearchSimilarIncidentsRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const limit = countOrDefault('limit', req.limit, 10, 100);
    const routed = await nearest(req, limit, ctx);
    const { rows, plan } = routed.value;
    return {
      results: rows.map((r) => ({
        incident: toIncident(r, 'ie_'),
        similarity: 1 - Number(r.distance),
        request: r.rr_id == null ? undefined : toRemediationRequest(r, 'rr_'),
        workflow: r.we_id == null ? undefined : toWorkflowExecution(r, 'we_'),
        outcome: outcomeOf(r.rr_phase as string | null, r.we_phase as string | null),
      })),
      plan: planToProto(plan),
      readInfo: readInfoOf(ctx, routed),
    };
  };
}
