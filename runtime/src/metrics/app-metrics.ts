/**
 * Domain metrics the services record through small functions, so call sites
 * stay one line and the names, labels and buckets live here. Label values
 * must come from fixed sets (never request data): each distinct value is a
 * new time series.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from './registry.js';

const registers = [metricsRegistry];

const replicaLag = new Gauge({
  name: 'autoserve_replica_lag_seconds',
  help: 'Replay lag of the streaming replica as last measured by the Context service (seconds; 0 = caught up).',
  registers,
});

const cacheRequests = new Counter({
  name: 'autoserve_cache_requests_total',
  help: 'Cache lookups by cache and result (hit or miss).',
  labelNames: ['cache', 'result'] as const,
  registers,
});

const ingestSamples = new Counter({
  name: 'autoserve_ingest_samples_total',
  help: 'Metric samples committed by ingest, by transport (rate() of it is the ingest rate).',
  labelNames: ['transport'] as const,
  registers,
});

const ingestBatches = new Counter({
  name: 'autoserve_ingest_batches_total',
  help: 'Metric batches committed by ingest, by transport.',
  labelNames: ['transport'] as const,
  registers,
});

const controlLoop = new Histogram({
  name: 'autoserve_control_loop_duration_seconds',
  help: 'Duration of one pass of a control-loop phase (reconcile, health, autoscale, ...).',
  labelNames: ['phase'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers,
});

const decisions = new Counter({
  name: 'autoserve_scaling_decisions_total',
  help: 'Scaling decisions by action (scale_up, scale_down, none) and reason (winning metric or limiting rule).',
  labelNames: ['action', 'reason'] as const,
  registers,
});

const scrapes = new Counter({
  name: 'autoserve_scrapes_total',
  help: "Scrapes of apps' /metrics by result (ok, failed: timeout, HTTP status, body cap, unparsable).",
  labelNames: ['result'] as const,
  registers,
});

const scrapeDuration = new Histogram({
  name: 'autoserve_scrape_duration_seconds',
  help: "Duration of one scrape of an app instance's /metrics (fetch, parse, map).",
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

/** Counts one scrape of an app instance's /metrics and how long it took. */
export function recordScrape(ok: boolean, seconds: number): void {
  scrapes.inc({ result: ok ? 'ok' : 'failed' });
  if (Number.isFinite(seconds)) scrapeDuration.observe(Math.max(0, seconds));
}

/** Records the replica's replay lag (seconds) whenever it is measured. */
export function recordReplicaLag(seconds: number): void {
  if (Number.isFinite(seconds)) replicaLag.set(Math.max(0, seconds));
}

/** Counts one cache lookup of `cache` (e.g. "similar-incidents"). */
export function recordCacheLookup(cache: string, hit: boolean): void {
  cacheRequests.inc({ cache, result: hit ? 'hit' : 'miss' });
}

/** Counts one committed ingest batch of `samples` samples ("unary", "stream", "acked"). */
export function recordIngest(samples: number, transport: string): void {
  ingestSamples.inc({ transport }, samples);
  ingestBatches.inc({ transport });
}

/** Records one control-loop pass of `phase` that took `seconds`. */
export function observeControlLoop(phase: string, seconds: number): void {
  controlLoop.observe({ phase }, seconds);
}

/** Starts timing a control-loop pass; call the result when it ends. */
export function timeControlLoop(phase: string): () => void {
  const started = performance.now();
  return () => observeControlLoop(phase, (performance.now() - started) / 1000);
}

/**
 * Counts one scaling decision. `action` is "scale_up", "scale_down" or
 * "none"; `reason` a bounded value such as the winning metric ("cpu",
 * "rps") or the limiting rule ("cooldown", "max_replicas").
 */
export function recordScalingDecision(action: string, reason: string): void {
  decisions.inc({ action, reason: reason || 'none' });
}

const calibrationRecall = new Gauge({
  name: 'autoserve_similarity_calibration_recall',
  help: 'Mean recall@10 the Context service measured on its own data, by embedder, selectivity band (or namespace calibrated on its own; "" for a band) and ef_search.',
  labelNames: ['embedder', 'band', 'namespace', 'ef_search'] as const,
  registers,
});

const calibrationLowerBound = new Gauge({
  name: 'autoserve_similarity_calibration_recall_lower_bound',
  help: 'Lower confidence bound on mean recall@10 (Hoeffding relative-entropy bound at the configured confidence), by embedder, band, namespace and ef_search; the plan picks the smallest ef_search whose bound reaches the target.',
  labelNames: ['embedder', 'band', 'namespace', 'ef_search'] as const,
  registers,
});

const calibrationMeasuredAt = new Gauge({
  name: 'autoserve_similarity_calibration_timestamp_seconds',
  help: 'When each embedder and band (or namespace) was last calibrated (Unix seconds; time() minus it is the age).',
  labelNames: ['embedder', 'band', 'namespace'] as const,
  registers,
});

const calibrationSample = new Gauge({
  name: 'autoserve_similarity_calibration_sample_size',
  help: 'Queries measured in the last calibration, by embedder, band and namespace.',
  labelNames: ['embedder', 'band', 'namespace'] as const,
  registers,
});

/**
 * One calibration curve of the similarity search. The embedder and namespace labels come from
 * stored data, so the caller bounds how many it reports (CONTEXT_CALIBRATION_EMBEDDERS,
 * CONTEXT_CALIBRATION_NAMESPACES); bands and the ef ladder are fixed sets.
 */
export function recordCalibration(
  embedder: string,
  band: string,
  namespace: string,
  points: readonly (readonly [ef: number, mean: number, min: number, lower: number])[],
  sampleSize: number,
  measuredAtMs: number,
): void {
  for (const [ef, mean, , lower] of points) {
    const labels = { embedder, band, namespace, ef_search: String(ef) };
    calibrationRecall.set(labels, mean);
    calibrationLowerBound.set(labels, lower);
  }
  calibrationMeasuredAt.set({ embedder, band, namespace }, measuredAtMs / 1000);
  calibrationSample.set({ embedder, band, namespace }, sampleSize);
}
