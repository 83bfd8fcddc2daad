import type { scaler } from '@autoserve/proto';
import { decodePageToken, invalidArgument, pageOf, pageSize, withTx } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import { getInstanceOrThrow, listInstances } from '../queries/instances.js';
import { instanceStatusCodec } from '../validation/enums.js';
import { validateAppName } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';
import { instanceToProto } from './to-proto.js';

/** GetInstance and ListInstances: the records the control loop writes. */
export function createInstances({ db }: Pick<WriteSideDeps, 'db'>) {
  return {
    async getInstance(req: scaler.GetInstanceRequest, ctx: HandlerContext) {
      if (req.id < 1n || req.id > 2_147_483_647n) throw invalidArgument('id', 'must be >= 1');
      const row = await withTx(db, { deadline: ctx, readOnly: true }, (tx) =>
        getInstanceOrThrow(tx, Number(req.id)),
      );
      return { instance: instanceToProto(row) };
    },

    async listInstances(req: scaler.ListInstancesRequest, ctx: HandlerContext) {
      const appName = req.appName === '' ? null : validateAppName(req.appName, 'app_name');
      const statuses = req.statuses.map((s, i) => {
        const text = instanceStatusCodec.toDb(s);
        if (!text) throw invalidArgument(`statuses[${i}]`, 'must be a known status');
        return text;
      });
      const limit = pageSize('page_size', req.pageSize, 100, 500);
      const filters = { app: appName, statuses: [...new Set(statuses)].sort() };
      const after = decodePageToken(req.pageToken, 'instances', filters, ['string', 'number']);
      const rows = await withTx(db, { deadline: ctx, readOnly: true }, (tx) =>
        listInstances(tx, {
          appName,
          statuses: filters.statuses,
          after: after as [string, number] | undefined,
          limit: limit + 1,
        }),
      );
      const { page, nextPageToken } = pageOf(rows, limit, {
        kind: 'instances',
        filters,
        positionOf: (last) => [last.app_name, last.replica_index],
      });
      return { instances: page.map(instanceToProto), nextPageToken };
    },
  };
}
