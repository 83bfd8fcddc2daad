import type {
  GetHistoricalPatternsRequest,
  GetHistoricalPatternsResponseSchema,
} from '@autoserve/proto/context/v1';
import { countOrDefault, requiredText } from '@autoserve/runtime';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { remediationPhase } from '../mapping/enums.js';
import { listPatterns, type PatternsQuery } from '../queries/patterns.js';
import { windowDays } from '../validate/window.js';
import { cachedAggregate, type HandlerDeps } from './deps.js';

type Response = MessageInitShape<typeof GetHistoricalPatternsResponseSchema>;

/** GetHistoricalPatterns: recurring signals of a target type and how they were handled. */
export function createHistoricalPatternsHandler(deps: HandlerDeps) {
  return async function getHistoricalPatterns(
    req: GetHistoricalPatternsRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const p: PatternsQuery = {
      namespace: requiredText('namespace', req.namespace),
      targetType: requiredText('target_type', req.targetType),
      days: windowDays(req.window, 30),
      minOccurrences: countOrDefault('min_occurrences', req.minOccurrences, 3, 10_000),
    };
    const key = JSON.stringify(['patterns', p.namespace, p.targetType, p.days, p.minOccurrences]);
    const { value, readInfo } = await cachedAggregate(deps, ctx, key, () =>
      deps.router.read({ deadline: ctx }, async (client) =>
        (await listPatterns(client, p)).map((r) => ({
          signalName: r.signal_name,
          occurrences: BigInt(r.occurrences),
          mostCommonPhase: remediationPhase.fromDb(r.most_common_phase),
          successRate: r.success_rate,
          commonWorkflows: r.workflows,
        })),
      ),
    );
    return { patterns: value, readInfo };
  };
}
