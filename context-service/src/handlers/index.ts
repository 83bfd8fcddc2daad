import type { ContextService } from '@autoserve/proto';
import { createEmbedder, type Embedder, type Pool, recordCalibration } from '@autoserve/runtime';
import type { ServiceImpl } from '@connectrpc/connect';
import type { Logger } from 'pino';
import { TtlCache } from '../cache/ttl-cache.js';
import type { ContextConfig } from '../config.js';
import { createReadRouter, type Routed } from '../read/router.js';
import { type Calibrator, createCalibrator } from '../similarity/calibrator.js';
import { createAppEventsHandler } from './app-events.js';
import { createAppMetricsHandler } from './app-metrics.js';
import type { HandlerDeps } from './deps.js';
import { createEnvironmentContextHandler } from './environment-context.js';
import { createHistoricalPatternsHandler } from './historical-patterns.js';
import { createNearDuplicatesHandler } from './near-duplicates.js';
import { createRemediationHistoryHandler } from './remediation-history.js';
import { createSearchSimilarHandler } from './search-similar.js';
import { createSuccessRatesHandler } from './success-rates.js';
import { createSuggestRemediationsHandler } from './suggest-remediations.js';
import { createTimelineHandler } from './timeline.js';

/** What the Context handlers need. */
export interface ContextDeps {
  /** Streaming replica, read-only role. */
  replica: Pool;
  /** Primary with the read-only role, for fallback; undefined when not configured. */
  primary: Pool | undefined;
  config: ContextConfig;
  log: Logger;
  /** Overrides the configured embedder (tests). */
  embedder?: Embedder;
}

/** Table size and filtered row estimates for plan choice change slowly; re-read them at most this often. */
const STATS_TTL_MS = 10_000;

/**
 * The Context service's RPCs. Routing only wires this object; each method
 * lives in its own module.
 */
export function createContextHandlers(deps: ContextDeps): {
  handlers: ServiceImpl<typeof ContextService>;
  calibrator: Calibrator;
} {
  const { config, log } = deps;
  const calibrator = createCalibrator({
    pool: deps.replica,
    log: log.child({ task: 'recall-calibration' }),
    intervalMs: config.calibrationIntervalMs,
    samplePerBand: config.calibrationSample,
    scopeBudgetMs: config.calibrationScopeBudgetMs,
    confidence: config.calibrationConfidence,
    maxNamespaces: config.calibrationNamespaces,
    maxEmbedders: config.calibrationEmbedders,
    exactScanMaxRows: config.exactScanMaxRows,
    k: 10,
    statementTimeoutMs: 60_000,
    onCurve: (embedder, c) =>
      recordCalibration(embedder, c.band, c.namespace ?? '', c.points, c.sampleSize, c.measuredAt),
  });
  const d: HandlerDeps = {
    router: createReadRouter({
      replica: deps.replica,
      primary: deps.primary,
      maxReplicaLagMs: config.maxReplicaLagMs,
      replicaRetryMs: config.replicaRetryMs,
      log,
    }),
    embedder: deps.embedder ?? createEmbedder(config.embedder, log),
    config,
    log,
    aggregates: new TtlCache<Routed<unknown>>({
      ttlMs: config.cacheTtlMs,
      maxEntries: config.cacheMaxEntries,
    }),
    stats: new TtlCache<number>({ ttlMs: STATS_TTL_MS, maxEntries: 1000 }),
    calibrator,
  };
  const handlers = {
    searchSimilarIncidents: createSearchSimilarHandler(d),
    suggestRemediations: createSuggestRemediationsHandler(d),
    listNearDuplicates: createNearDuplicatesHandler(d),
    getEnvironmentContext: createEnvironmentContextHandler(d),
    getWorkflowSuccessRates: createSuccessRatesHandler(d),
    getHistoricalPatterns: createHistoricalPatternsHandler(d),
    getRemediationTimeline: createTimelineHandler(d),
    listRemediationHistory: createRemediationHistoryHandler(d),
    listAppEvents: createAppEventsHandler(d),
    getAppMetrics: createAppMetricsHandler(d),
  };
  return { handlers, calibrator };
}
