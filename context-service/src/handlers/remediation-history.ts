import { Priority, RemediationPhase } from '@autoserve/proto/common/v1';
import type {
  ListRemediationHistoryRequest,
  ListRemediationHistoryResponseSchema,
} from '@autoserve/proto/context/v1';
import { countOrDefault, knownEnums, optionalText, pageOf, timeRange } from '@autoserve/runtime';
import { toRemediationRequest } from '@autoserve/runtime/model';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { priority, remediationPhase } from '../mapping/enums.js';
import { type HistoryFilter, listRemediationRequests } from '../queries/history.js';
import { timeIdCursor } from '../validate/time-id-cursor.js';
import { type HandlerDeps, readInfoOf } from './deps.js';

type Response = MessageInitShape<typeof ListRemediationHistoryResponseSchema>;

const KIND = 'remediation-history';

function filterOf(req: ListRemediationHistoryRequest): HistoryFilter {
  const range = timeRange('created_after', req.createdAfter, 'created_before', req.createdBefore);
  const phases = remediationPhase.toDbAll(knownEnums('phases', req.phases, RemediationPhase));
  const priorities = priority.toDbAll(knownEnums('priorities', req.priorities, Priority));
  return {
    namespace: optionalText('namespace', req.namespace),
    targetType: optionalText('target_type', req.targetType, 100),
    targetName: optionalText('target_name', req.targetName),
    signalName: optionalText('signal_name', req.signalName),
    environment: optionalText('environment', req.environment, 50),
    phases: phases.length ? phases.sort() : undefined,
    priorities: priorities.length ? priorities.sort() : undefined,
    createdAfter: range.after,
    createdBefore: range.before,
  };
}

/** ListRemediationHistory: filtered requests, newest first, keyset-paginated. */
export function createRemediationHistoryHandler(deps: HandlerDeps) {
  return async function listRemediationHistory(
    req: ListRemediationHistoryRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const filter = filterOf(req);
    const pageSize = countOrDefault('page_size', req.pageSize, 50, 500);
    const at = timeIdCursor(req.pageToken, KIND, filter);
    const cursor = at && { createdUs: at.us, id: at.id };
    const routed = await deps.router.read({ deadline: ctx }, (client) =>
      listRemediationRequests(client, filter, cursor, pageSize + 1),
    );
    const { page, nextPageToken } = pageOf(routed.value, pageSize, {
      kind: KIND,
      filters: filter,
      positionOf: (last) => [String(last.pos_us), String(last.id)],
    });
    return {
      requests: page.map((r) => toRemediationRequest(r)),
      nextPageToken,
      readInfo: readInfoOf(ctx, routed),
    };
  };
}
