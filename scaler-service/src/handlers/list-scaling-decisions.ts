import type { scaler } from '@autoserve/proto';
import { decodePageToken, invalidArgument, pageOf, pageSize, withTx } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import { decisionRowToProto } from '../control/decision-proto.js';
import { getAppOrThrow } from '../queries/apps.js';
import { listActedDecisions } from '../queries/decisions.js';
import { validateAppName } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The (decided_at, id) position of a decisions page token, checked: a date
 * that does not parse (or is not the ISO form positionOf writes) and a
 * non-numeric id are InvalidArgument, never a database error.
 */
export function decisionsCursor(token: string, filters: unknown): [Date, string] | undefined {
  const pos = decodePageToken(token, 'decisions', filters, ['string', 'string']);
  if (!pos) return undefined;
  const [at, id] = pos as [string, string];
  const date = new Date(at);
  if (!ISO_MS.test(at) || Number.isNaN(date.getTime()) || !/^\d{1,19}$/.test(id)) {
    throw invalidArgument('page_token', 'malformed page token');
  }
  return [date, id];
}

/** ListScalingDecisions: the evaluations that acted, newest first, keyset-paged. */
export function createListScalingDecisions({ db }: Pick<WriteSideDeps, 'db'>) {
  return {
    async listScalingDecisions(req: scaler.ListScalingDecisionsRequest, ctx: HandlerContext) {
      const appName = validateAppName(req.appName, 'app_name');
      const limit = pageSize('page_size', req.pageSize, 50, 500);
      const filters = { app: appName };
      const before = decisionsCursor(req.pageToken, filters);
      const rows = await withTx(db, { deadline: ctx, readOnly: true }, async (tx) => {
        await getAppOrThrow(tx, appName);
        return listActedDecisions(tx, {
          appName,
          before,
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
