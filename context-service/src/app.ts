import { ContextService } from '@autoserve/proto';
import {
  createLogger,
  createPool,
  type Logger,
  type RunningService,
  serve,
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
  const handlers = createContextHandlers({ replica, primary, config, log });
  return serve({
    config: config.server,
    log,
    services: [{ service: ContextService, impl: handlers, writeMethods: new Set() }],
    pools: primary ? { replica, primary } : { replica },
    // Serving while some copy of the data answers: the replica, or the
    // primary fallback that reads are routed to when the replica is down.
    probe: async () => {
      try {
        await replica.query('SELECT 1');
      } catch (err) {
        if (!primary) throw err;
        await primary.query('SELECT 1');
      }
    },
    onStop: async () => {
      await replica.end();
      await primary?.end();
    },
  });
}
