import type { scaler } from '@autoserve/proto';
import { withTx } from '@autoserve/runtime';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { HandlerContext } from '@connectrpc/connect';
import { watchEndpointSets } from '../endpoints/watch.js';
import { getAppOrThrow } from '../queries/apps.js';
import { validateAppName } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';

/** WatchEndpoints: an app's healthy endpoints, the current set first, then each change. */
export function createWatchEndpoints({ db, events }: Pick<WriteSideDeps, 'db' | 'events'>) {
  return {
    async *watchEndpoints(req: scaler.WatchEndpointsRequest, ctx: HandlerContext) {
      const appName = validateAppName(req.appName, 'app_name');
      await withTx(db, { deadline: ctx, readOnly: true }, (tx) => getAppOrThrow(tx, appName));
      for await (const set of watchEndpointSets({
        db,
        wakeup: events,
        appName,
        signal: ctx.signal,
      })) {
        yield {
          appName,
          endpoints: set.endpoints.map((e) => ({
            instanceId: BigInt(e.id),
            replicaIndex: e.replica_index,
            ip: e.ip,
            port: e.port,
          })),
          revision: BigInt(set.revision),
          time: timestampFromDate(set.at),
        };
      }
    },
  };
}
