import {
  type GetWorkflowSuccessRatesRequest,
  type GetWorkflowSuccessRatesResponseSchema,
  GroupBy,
} from '@autoserve/proto/context/v1';
import { knownEnum, optionalText, requiredText } from '@autoserve/runtime';
import { tsOf } from '@autoserve/runtime/model';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { listSuccessRates, type SuccessRatesQuery } from '../queries/success-rates.js';
import { trendOf } from '../similarity/trend.js';
import { windowDays } from '../validate/window.js';
import { cachedAggregate, type HandlerDeps } from './deps.js';

type Response = MessageInitShape<typeof GetWorkflowSuccessRatesResponseSchema>;

/** GetWorkflowSuccessRates: per workflow or environment, with percentiles and a trend. */
export function createSuccessRatesHandler(deps: HandlerDeps) {
  return async function getWorkflowSuccessRates(
    req: GetWorkflowSuccessRatesRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const groupBy = knownEnum('group_by', req.groupBy, GroupBy, { allowUnspecified: true });
    const s: SuccessRatesQuery = {
      namespace: requiredText('namespace', req.namespace),
      days: windowDays(req.window, 30),
      workflowName: optionalText('workflow_name', req.workflowName),
      groupBy: groupBy === GroupBy.ENVIRONMENT ? 'environment' : 'workflow',
    };
    const key = JSON.stringify(['rates', s.namespace, s.days, s.workflowName ?? null, s.groupBy]);
    const { value, readInfo } = await cachedAggregate(deps, ctx, key, () =>
      deps.router.read({ deadline: ctx }, async (client) => {
        const rows = await listSuccessRates(client, s);
        return rows.map((r) => {
          const ok = Number(r.successful);
          const failed = Number(r.failed);
          return {
            key: r.key,
            total: BigInt(r.total),
            successful: BigInt(ok),
            failed: BigInt(failed),
            successRate: ok + failed > 0 ? ok / (ok + failed) : 0,
            avgDurationSeconds: r.avg_s ?? 0,
            p50DurationSeconds: r.p50_s ?? 0,
            p95DurationSeconds: r.p95_s ?? 0,
            p99DurationSeconds: r.p99_s ?? 0,
            lastExecution: tsOf(r.last_execution),
            trend: trendOf(r.first_ok, r.first_finished, r.second_ok, r.second_finished),
          };
        });
      }),
    );
    return { rates: value, readInfo };
  };
}
