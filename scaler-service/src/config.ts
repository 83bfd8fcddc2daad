import {
  type EmbedderConfig,
  type Env,
  loadEmbedderConfig,
  loadServerConfig,
  readDurationMs,
  readInt,
  readOptional,
  readPostgresUrl,
  type ServerConfig,
} from '@autoserve/runtime';
import { type ControlConfig, loadControlConfig } from './control/config.js';
import { loadScrapeConfig, type ScrapeConfig } from './scrape/config.js';

/** Scaler service settings; a pure function of the environment. */
export interface ScalerConfig {
  server: ServerConfig;
  /** Primary, scaler (read-write) role. */
  databaseUrl: string;
  /** When set, migrations are applied at start with this (owner) URL. */
  migrationsUrl: string | undefined;
  /** Connections in the pool. */
  poolMax: number;
  /** Connections of the watchers' pool (WatchEvents/WatchEndpoints readers, event poll). */
  watchPoolMax: number;
  /** Concurrent metric COPYs = size of the dedicated COPY pool (default: half the RPC pool). */
  copyConcurrency: number;
  /** How long the ingest path trusts its set of app names. */
  appCacheTtlMs: number;
  /** WatchEvents fallback poll (NOTIFY is the fast path). */
  eventsPollMs: number;
  /** Embedder for StoreIncidentEmbedding text (shared with the Context service). */
  embedder: EmbedderConfig;
  retention: RetentionConfig;
  /** Control loop: runtime, reconciler, health checks, autoscaler, leader election. */
  control: ControlConfig;
  /** Scraping of apps' own /metrics (runs with the control loop, on the leader). */
  scrape: ScrapeConfig;
  /** How often workflow_success_rates is refreshed; 0 disables. */
  successRatesRefreshMs: number;
}

/** Ages past which data is removed, and how the cleanup paces itself. */
export interface RetentionConfig {
  /** Metrics older than this are dropped (also the oldest sample ingest accepts). */
  metricsMaxAgeMs: number;
  /** Events older than this are dropped. */
  eventsMaxAgeMs: number;
  /** Idempotency keys older than this are deleted (retries after it run again). */
  idempotencyKeyTtlMs: number;
  /** How often a retention pass runs; 0 disables retention. */
  intervalMs: number;
  /** Rows per DELETE batch where whole partitions cannot be dropped. */
  batchRows: number;
  /** Pause between DELETE batches, so cleanup never stalls ingest. */
  batchPauseMs: number;
}

const DAY_MS = 86_400_000;

export function loadConfig(env: Env): ScalerConfig {
  const poolMax = readInt(env, 'SCALER_POOL_MAX', 20, 1, 500);
  return {
    server: loadServerConfig(env, 'SCALER', { port: 50052, metricsPort: 9452 }),
    databaseUrl: readPostgresUrl(env, 'SCALER_DATABASE_URL'),
    migrationsUrl:
      readOptional(env, 'MIGRATIONS_DATABASE_URL') &&
      readPostgresUrl(env, 'MIGRATIONS_DATABASE_URL'),
    poolMax,
    watchPoolMax: readInt(env, 'SCALER_WATCH_POOL_MAX', 2, 1, 50),
    copyConcurrency: readInt(
      env,
      'SCALER_COPY_CONCURRENCY',
      Math.max(1, Math.floor(poolMax / 2)),
      1,
      poolMax,
    ),
    appCacheTtlMs: readDurationMs(env, 'SCALER_APP_CACHE_TTL', 5000, 0, 600_000),
    eventsPollMs: readDurationMs(env, 'SCALER_EVENTS_POLL_INTERVAL', 1000, 50, 60_000),
    embedder: loadEmbedderConfig(env),
    retention: {
      metricsMaxAgeMs: readInt(env, 'METRICS_RETENTION_DAYS', 30, 1, 3650) * DAY_MS,
      eventsMaxAgeMs: readInt(env, 'EVENTS_RETENTION_DAYS', 90, 1, 3650) * DAY_MS,
      idempotencyKeyTtlMs: readDurationMs(env, 'IDEMPOTENCY_KEY_TTL', DAY_MS, 60_000, 30 * DAY_MS),
      intervalMs: readDurationMs(env, 'RETENTION_INTERVAL', 3_600_000, 0, DAY_MS),
      batchRows: readInt(env, 'RETENTION_BATCH_ROWS', 5000, 1, 1_000_000),
      batchPauseMs: readDurationMs(env, 'RETENTION_BATCH_PAUSE', 50, 0, 60_000),
    },
    successRatesRefreshMs: readDurationMs(
      env,
      'SUCCESS_RATES_REFRESH_INTERVAL',
      300_000,
      0,
      DAY_MS,
    ),
    control: loadControlConfig(env),
    scrape: loadScrapeConfig(env),
  };
}
