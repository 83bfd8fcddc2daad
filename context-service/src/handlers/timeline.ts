import type {
  GetRemediationTimelineRequest,
  GetRemediationTimelineResponseSchema,
} from '@autoserve/proto/context/v1';
import { invalidArgument, notFound, requiredText } from '@autoserve/runtime';
import {
  toAction,
  toAnalysis,
  toProcessing,
  toRemediationRequest,
  toWorkflowExecution,
  tsOf,
} from '@autoserve/runtime/model';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { listTimeline, type TimelineRow } from '../queries/timeline.js';
import { type HandlerDeps, readInfoOf } from './deps.js';

type Response = MessageInitShape<typeof GetRemediationTimelineResponseSchema>;

function entryOf(row: TimelineRow) {
  const time = tsOf(row.record.created_at as string);
  switch (row.kind) {
    case 'request':
      return {
        time,
        record: { case: 'request' as const, value: toRemediationRequest(row.record) },
      };
    case 'processing':
      return { time, record: { case: 'processing' as const, value: toProcessing(row.record) } };
    case 'analysis':
      return { time, record: { case: 'analysis' as const, value: toAnalysis(row.record) } };
    case 'workflow':
      return {
        time,
        record: { case: 'workflow' as const, value: toWorkflowExecution(row.record) },
      };
    case 'action':
      return { time, record: { case: 'action' as const, value: toAction(row.record) } };
  }
}

/** GetRemediationTimeline: every record of one remediation, in time order. */
export function createTimelineHandler(deps: HandlerDeps) {
  return async function getRemediationTimeline(
    req: GetRemediationTimelineRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    let key: { correlationId: string } | { namespace: string; name: string };
    let what: string;
    switch (req.key.case) {
      case 'correlationId':
        key = { correlationId: requiredText('correlation_id', req.key.value) };
        what = `correlation id ${key.correlationId}`;
        break;
      case 'requestName':
        key = {
          namespace: requiredText('request_name.namespace', req.key.value.namespace),
          name: requiredText('request_name.name', req.key.value.name),
        };
        what = `remediation request ${key.namespace}/${key.name}`;
        break;
      default:
        throw invalidArgument('key', 'one of correlation_id or request_name is required');
    }
    const routed = await deps.router.read({ deadline: ctx }, (client) => listTimeline(client, key));
    if (routed.value.length === 0) throw notFound(what);
    return { entries: routed.value.map(entryOf), readInfo: readInfoOf(ctx, routed) };
  };
}
