import type { scaler } from '@autoserve/proto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { HandlerContext } from '@connectrpc/connect';
import { validateAppName } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';

/**
 * WatchEndpoints: an app's healthy endpoints, the current set first, then each
 * change. Streams share one feed (one query per read for all watched apps), so
 * they never touch the RPC pool.
 */
export function createWatchEndpoints({ endpointFeed }: Pick<WriteSideDeps, 'endpointFeed'>) {
  return {
    async *watchEndpoints(req: scaler.WatchEndpointsRequest, ctx: HandlerContext) {
      const appName = validateAppName(req.appName, 'app_name');
      for await (const set of endpointFeed.watch(appName, ctx.signal)) {
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
