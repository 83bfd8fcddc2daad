import type { scaler } from '@autoserve/proto';
import { decodePageToken, pageOf, pageSize, withTx } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import { listActedDecisions } from '../control/db/decisions.js';
import { decisionRowToProto } from '../control/decision-proto.js';
import { getAppOrThrow } from '../queries/apps.js';
import { validateAppName } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';

/** ListScalingDecisions: the evaluations that acted, newest first, keyset-paged. */
export function createListScalingDecisions({ db }: Pick<WriteSideDeps, 'db'>) {
  return {
    async listScalingDecisions(req: scaler.ListScalingDecisionsRequest, ctx: HandlerContext) {
      const appName = validateAppName(req.appName, 'app_name');
      const limit = pageSize('page_size', req.pageSize, 50, 500);
      const filters = { app: appName };
      const pos = decodePageToken(req.pageToken, 'decisions', filters, ['string', 'string']);
      const rows = await withTx(db, { deadline: ctx, readOnly: true }, async (tx) => {
        await getAppOrThrow(tx, appName);
        return listActedDecisions(tx, {
          appName,
          before: pos ? [new Date(pos[0] as string), pos[1] as string] : undefined,
          limit: limit + 1,
        });
      });
      const { page, nextPageToken } = pageOf(rows, limit, {
        kind: 'decisions',
        filters,
        positionOf: (last) => [last.decided_at.toISOString(), last.id],
      });
      return { decisions: page.map(decisionRowToProto), nextPageToken };
    },
  };
}
