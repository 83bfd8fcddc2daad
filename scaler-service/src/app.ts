import { ScalerService } from '@autoserve/proto';
import {
  createLogger,
  createPool,
  type Logger,
  type RunningService,
  runMigrations,
  schedulePartitionMaintenance,
  serve,
} from '@autoserve/runtime';
import type { ScalerConfig } from './config.js';
import { createScalerHandlers } from './handlers/index.js';
import { SCALER_WRITE_METHODS } from './write-methods.js';

export type { ScalerConfig } from './config.js';
export { loadConfig } from './config.js';

/**
 * Starts the Scaler service: migrations (when configured), the primary pool,
 * partition maintenance, the gRPC server, health tied to the database.
 */
export async function startScalerService(
  config: ScalerConfig,
  log: Logger = createLogger({ name: 'scaler', level: config.server.logLevel }),
): Promise<RunningService> {
  if (config.migrationsUrl) {
    const result = await runMigrations(config.migrationsUrl);
    log.info(result, 'migrations applied');
  }
  const db = await createPool({
    url: config.databaseUrl,
    max: config.poolMax,
    applicationName: 'autoserve-scaler',
  });
  const stopPartitions = schedulePartitionMaintenance(db, log);
  const handlers = createScalerHandlers({ db, config, log });
  return serve({
    config: config.server,
    log,
    services: [{ service: ScalerService, impl: handlers, writeMethods: SCALER_WRITE_METHODS }],
    pools: { primary: db },
    probe: async () => {
      await db.query('SELECT 1');
    },
    onStop: async () => {
      stopPartitions();
      await db.end();
    },
  });
}
