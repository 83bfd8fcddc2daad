import { ScalerService } from '@autoserve/proto';
import {
  createEmbedder,
  createLogger,
  createPool,
  type Logger,
  type RunningService,
  registerService,
  runMigrations,
  schedulePartitionMaintenance,
  serve,
} from '@autoserve/runtime';
import type { ScalerConfig } from './config.js';
import type { ControlLoop } from './control/loop.js';
import { startControlLoop } from './control/start.js';
import { createEndpointFeed } from './endpoints/watch.js';
import { createEventHub } from './events/hub.js';
import { createEventTail } from './events/tail.js';
import { createScalerHandlers } from './handlers/index.js';
import { RAW_INPUT_METHODS } from './handlers/metrics.js';
import { createMetricsIngest } from './ingest/ingest.js';
import { scheduleSuccessRatesRefresh } from './remediation/success-rates.js';
import { SCALER_REQUEST_LIMITS } from './request-limits.js';
import { scheduleRetention } from './retention/retention.js';
import { selectRuntime } from './runtime/select.js';
import { startScraper } from './scrape/scraper.js';

export type { ScalerConfig } from './config.js';
export { loadConfig } from './config.js';

/**
 * Starts the Scaler service: migrations (when configured), the primary pool,
 * partition maintenance, retention, the success-rates refresh, the event
 * hub for WatchEvents, metrics ingest, the gRPC server, health tied to the
 * database.
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
  // Watch streams read on their own small pool: however many there are, the RPC
  // pool (and the control loop on it) never waits behind them.
  const watchDb = await createPool({
    url: config.databaseUrl,
    max: config.watchPoolMax,
    applicationName: 'autoserve-scaler-watch',
  });
  const events = createEventHub({
    url: config.databaseUrl,
    pollMs: config.eventsPollMs,
    log,
    query: (sql) => watchDb.query(sql),
  });
  await events.start();
  const eventTail = createEventTail({ db: watchDb, hub: events, batch: 500, queueMax: 1000 });
  const endpointFeed = createEndpointFeed({ db: watchDb, wakeup: events });
  // COPY connections apart from the RPC pool: ingest cannot starve other RPCs, and their
  // session settings (statement timeout) concern ingest only.
  const copyDb = await createPool({
    url: config.databaseUrl,
    max: config.copyConcurrency,
    applicationName: 'autoserve-scaler-ingest',
  });
  const ingest = createMetricsIngest({
    db,
    copyDb,
    log,
    maxConcurrentCopies: config.copyConcurrency,
    maxAgeMs: config.retention.metricsMaxAgeMs,
    appCacheTtlMs: config.appCacheTtlMs,
  });
  const stopRetention = scheduleRetention(db, config.retention, log);
  const stopRefresh = scheduleSuccessRatesRefresh(db, config.successRatesRefreshMs, log);
  const embedder = createEmbedder(config.embedder, log);
  const handlers = createScalerHandlers({
    db,
    config,
    log,
    ingest,
    events,
    eventTail,
    endpointFeed,
    embedder,
  });
  // Every Scaler process runs the loop; leader election lets exactly one act.
  const control: ControlLoop | undefined = config.control.enabled
    ? startControlLoop({
        db,
        databaseUrl: config.databaseUrl,
        runtime: await selectRuntime(config.control.runtime, log),
        config: config.control,
        log,
      })
    : undefined;
  // Apps' own /metrics, scraped by the same leader that runs the control loop.
  const scraper =
    control && config.scrape.enabled
      ? startScraper({ db, ingest, log, config: config.scrape, isLeader: () => control.isLeader() })
      : undefined;
  return serve({
    config: config.server,
    log,
    services: [
      registerService({
        service: ScalerService,
        impl: handlers,
        rawInput: RAW_INPUT_METHODS,
        maxRequestBytes: SCALER_REQUEST_LIMITS,
      }),
    ],
    pools: { primary: db, copy: copyDb, watch: watchDb },
    probe: async () => {
      await db.query('SELECT 1');
    },
    onStop: async () => {
      await scraper?.stop();
      await control?.stop();
      stopPartitions();
      stopRetention();
      stopRefresh();
      eventTail.stop();
      endpointFeed.stop();
      await events.stop();
      await watchDb.end();
      await copyDb.end();
      await db.end();
    },
  });
}
