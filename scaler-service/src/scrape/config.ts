import { type Env, readBool, readDurationMs, readInt } from '@autoserve/runtime';

/** Settings of the metrics scraper (the leader scrapes apps that have a metrics source). */
export interface ScrapeConfig {
  /** Scrape apps' metrics sources at all. */
  enabled: boolean;
  /** Scrapes in flight at once, over all apps. */
  concurrency: number;
  /** Largest /metrics body read, bytes. */
  maxBodyBytes: number;
  /** How often due scrapes are started and the target list is refreshed. */
  tickMs: number;
}

/** The scraper's part of the Scaler config (a pure function of the environment). */
export function loadScrapeConfig(env: Env): ScrapeConfig {
  return {
    enabled: readBool(env, 'SCALER_SCRAPE', true),
    concurrency: readInt(env, 'SCALER_SCRAPE_CONCURRENCY', 16, 1, 1024),
    maxBodyBytes: readInt(
      env,
      'SCALER_SCRAPE_MAX_BODY_BYTES',
      4 * 1024 * 1024,
      1024,
      64 * 1024 * 1024,
    ),
    tickMs: readDurationMs(env, 'SCALER_SCRAPE_TICK', 250, 50, 10_000),
  };
}
