import { ContextService } from '@autoserve/proto';
import {
  createLogger,
  createPool,
  type Logger,
  type RunningService,
  serve,
  withReadSession,
} from '@autoserve/runtime';
import type { ContextConfig } from './config.js';
import { createContextHandlers } from './handlers/index.js';

export type { ContextConfig } from './config.js';
export { loadConfig } from './config.js';

/**
 * Starts the Context service: read-only pools on the replica (and the
 * primary for fallback), the gRPC server, health tied to the database.
 */
export async function startContextService(
  config: ContextConfig,
  log: Logger = createLogger({ name: 'context', level: config.server.logLevel }),
): Promise<RunningService> {
  const replica = await createPool({
    url: config.replicaUrl,
    max: config.poolMax,
    applicationName: 'autoserve-context',
    // A dead replica must fail over quickly, not after the default connect timeout.
    connectTimeoutMs: config.replicaConnectTimeoutMs,
  });
  const primary = config.primaryUrl
    ? await createPool({
        url: config.primaryUrl,
        max: config.poolMax,
        applicationName: 'autoserve-context-fallback',
      })
    : undefined;
  const { handlers, calibrator } = createContextHandlers({ replica, primary, config, log });
  return serve({
    config: config.server,
    log,
    services: [{ service: ContextService, impl: handlers }],
    pools: primary ? { replica, primary } : { replica },
    // Serving while some copy of the data answers: the replica, or the
    // primary fallback that reads are routed to when the replica is down.
    // Through withReadSession like every read, so the probe sets its own
    // statement_timeout instead of inheriting the last call's session value.
    probe: async () => {
      const ping = (pool: typeof replica) => withReadSession(pool, {}, (c) => c.query('SELECT 1'));
      try {
        await ping(replica);
      } catch (err) {
        if (!primary) throw err;
        await ping(primary);
      }
    },
    onStop: async () => {
      calibrator.stop();
      await replica.end();
      await primary?.end();
    },
  });
}
