import type {
  GetEnvironmentContextRequest,
  GetEnvironmentContextResponseSchema,
} from '@autoserve/proto/context/v1';
import { requiredText } from '@autoserve/runtime';
import { toRemediationRequest } from '@autoserve/runtime/model';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import {
  type EnvironmentTarget,
  getEnvironmentSummary,
  listRecentRequests,
} from '../queries/environment.js';
import { windowDays } from '../validate/window.js';
import { cachedAggregate, type HandlerDeps } from './deps.js';

type Response = MessageInitShape<typeof GetEnvironmentContextResponseSchema>;

/** GetEnvironmentContext: one target's remediation statistics, cached per (target, window). */
export function createEnvironmentContextHandler(deps: HandlerDeps) {
  return async function getEnvironmentContext(
    req: GetEnvironmentContextRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const t: EnvironmentTarget = {
      namespace: requiredText('namespace', req.namespace),
      targetType: requiredText('target_type', req.targetType, 100),
      targetName: requiredText('target_name', req.targetName),
      days: windowDays(req.window, 7),
    };
    const key = JSON.stringify(['env', t.namespace, t.targetType, t.targetName, t.days]);
    const { value, readInfo } = await cachedAggregate(deps, ctx, key, () =>
      deps.router.read({ deadline: ctx }, async (client) => {
        const summary = await getEnvironmentSummary(client, t);
        const recent = await listRecentRequests(client, t, 10);
        const successful = Number(summary.successful);
        const failed = Number(summary.failed);
        return {
          total: BigInt(summary.total),
          successful: BigInt(successful),
          failed: BigInt(failed),
          successRate: successful + failed > 0 ? successful / (successful + failed) : 0,
          avgDurationSeconds: summary.avg_duration_seconds ?? 0,
          p0Count: BigInt(summary.p0),
          p1Count: BigInt(summary.p1),
          p2Count: BigInt(summary.p2),
          commonFailureReasons: summary.reasons.map((x) => ({
            reason: x.reason,
            count: BigInt(x.count),
          })),
          recent: recent.map((r) => toRemediationRequest(r)),
          environment: summary.environment ?? '',
        } satisfies Response;
      }),
    );
    return { ...value, readInfo };
  };
}
