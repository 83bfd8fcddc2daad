import {
  type EmbedderConfig,
  type Env,
  loadEmbedderConfig,
  loadServerConfig,
  readDurationMs,
  readInt,
  readNumber,
  readOptional,
  readPostgresUrl,
  type ServerConfig,
} from '@autoserve/runtime';

/** Context service settings; a pure function of the environment. */
export interface ContextConfig {
  server: ServerConfig;
  /** Streaming replica, read-only role. */
  replicaUrl: string;
  /** Primary with the same read-only role: fallback when the replica is down or lags. */
  primaryUrl: string | undefined;
  /** Connections per pool. */
  poolMax: number;
  /** Replica lag beyond which reads go to the primary (flagged degraded). */
  maxReplicaLagMs: number;
  /** After the replica failed to answer, how long reads skip it before trying again. */
  replicaRetryMs: number;
  /** How long opening a replica connection may take before reads fall back. */
  replicaConnectTimeoutMs: number;
  /** Embedder for text queries; the write side must use the same one. */
  embedder: EmbedderConfig;
  /** Lifetime of cached aggregate answers (environment context, success rates, patterns). */
  cacheTtlMs: number;
  /** Maximum cached aggregate answers. */
  cacheMaxEntries: number;
  /** Filtered row count up to which similarity search scans the rows exactly instead of HNSW. */
  exactScanMaxRows: number;
  /**
   * hnsw.ef_search when the caller asks for no particular accuracy: the effort before the first
   * calibration, and the floor under one that could not claim the target. Measured at 100k x 1536 (bench context,
   * direct SQL, unfiltered): ef 100 gave recall@10 0.970 on both families (clustered: one query in
   * 40 at 0, a graph miss 24 calibration queries all passed at ef 40), ef 200 gave 0.992 / 0.980
   * at 18.3 / 18.9 ms against 18.6 / 11.1 ms.
   */
  defaultEfSearch: number;
  /** Recall@10 the plan aims for when the caller asks for no particular accuracy. */
  targetRecall: number;
  /** Between recall calibrations (0 = never). */
  calibrationIntervalMs: number;
  /**
   * Most queries per calibrated scope (a selectivity band or a namespace): each run adds what its
   * budget allowed to the previous runs' queries, newest kept.
   */
  calibrationSample: number;
  /**
   * Wall time per scope: the sample grows until this or calibrationSample, whichever comes first
   * (a smaller sample gives a looser bound, hence a larger ef or an exact scan, never a false claim).
   */
  calibrationScopeBudgetMs: number;
  /**
   * Confidence of the lower bound on mean recall that must reach the target. At 0.95, 149
   * perfect queries are needed to claim 0.98, about 370 when the true mean is 0.995, about 560
   * at 0.994 (measured at 100k x 1536 clustered, ef 1000: 400 queries bounded it at 0.979).
   */
  calibrationConfidence: number;
  /** Largest namespaces per embedder calibrated on their own (0 = bands only). */
  calibrationNamespaces: number;
  /** How many embedders (the largest) are calibrated. */
  calibrationEmbedders: number;
  /**
   * Filtered rows up to which an exact scan replaces an HNSW walk calibrated below target.
   * Measured at 1536 dimensions: exact scans of 1k / 4.3k / 10k / 100k rows took about 25 / 58 /
   * 90-150 / 530 ms. The recall the contract promises comes first up to ~25k rows (~200 ms);
   * beyond that the walk at its best effort (reported as short of the target) is the better
   * answer. At 10k (the old default) a clustered 10% namespace estimated at 10,030 rows ran on the
   * graph at recall 0.92 while the same filter on the other family, estimated just under, ran
   * exact at 1.0 (issue 11, 100k x 1536 bench).
   */
  exactFallbackMaxRows: number;
}

export function loadConfig(env: Env): ContextConfig {
  return {
    server: loadServerConfig(env, 'CONTEXT', { port: 50051, metricsPort: 9451 }),
    replicaUrl: readPostgresUrl(env, 'CONTEXT_REPLICA_URL'),
    primaryUrl:
      readOptional(env, 'CONTEXT_PRIMARY_URL') && readPostgresUrl(env, 'CONTEXT_PRIMARY_URL'),
    poolMax: readInt(env, 'CONTEXT_POOL_MAX', 10, 1, 200),
    maxReplicaLagMs: readDurationMs(env, 'CONTEXT_MAX_REPLICA_LAG', 5000, 0, 3_600_000),
    replicaRetryMs: readDurationMs(env, 'CONTEXT_REPLICA_RETRY', 1000, 0, 600_000),
    replicaConnectTimeoutMs: readDurationMs(
      env,
      'CONTEXT_REPLICA_CONNECT_TIMEOUT',
      2000,
      100,
      60_000,
    ),
    embedder: loadEmbedderConfig(env),
    cacheTtlMs: readDurationMs(env, 'CONTEXT_CACHE_TTL', 30_000, 0, 3_600_000),
    cacheMaxEntries: readInt(env, 'CONTEXT_CACHE_MAX_ENTRIES', 1000, 1, 1_000_000),
    exactScanMaxRows: readInt(env, 'CONTEXT_EXACT_SCAN_MAX_ROWS', 2000, 0, 10_000_000),
    defaultEfSearch: readInt(env, 'CONTEXT_HNSW_EF_SEARCH', 200, 10, 1000),
    targetRecall: readNumber(env, 'CONTEXT_TARGET_RECALL', 0.98, 0.5, 1),
    calibrationIntervalMs: readDurationMs(
      env,
      'CONTEXT_CALIBRATION_INTERVAL',
      1_800_000,
      0,
      86_400_000,
    ),
    calibrationSample: readInt(env, 'CONTEXT_CALIBRATION_SAMPLE', 1000, 2, 5000),
    calibrationScopeBudgetMs: readDurationMs(
      env,
      'CONTEXT_CALIBRATION_SCOPE_BUDGET',
      60_000,
      1000,
      3_600_000,
    ),
    calibrationConfidence: readNumber(env, 'CONTEXT_CALIBRATION_CONFIDENCE', 0.95, 0.5, 0.999),
    calibrationNamespaces: readInt(env, 'CONTEXT_CALIBRATION_NAMESPACES', 4, 0, 64),
    calibrationEmbedders: readInt(env, 'CONTEXT_CALIBRATION_EMBEDDERS', 4, 1, 32),
    exactFallbackMaxRows: readInt(env, 'CONTEXT_EXACT_FALLBACK_MAX_ROWS', 25_000, 0, 100_000_000),
  };
}
