import {
  type Env,
  loadServerConfig,
  readDurationMs,
  readInt,
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
}

export function loadConfig(env: Env): ContextConfig {
  return {
    server: loadServerConfig(env, 'CONTEXT', { port: 50051, metricsPort: 9451 }),
    replicaUrl: readPostgresUrl(env, 'CONTEXT_REPLICA_URL'),
    primaryUrl:
      readOptional(env, 'CONTEXT_PRIMARY_URL') && readPostgresUrl(env, 'CONTEXT_PRIMARY_URL'),
    poolMax: readInt(env, 'CONTEXT_POOL_MAX', 10, 1, 200),
    maxReplicaLagMs: readDurationMs(env, 'CONTEXT_MAX_REPLICA_LAG', 5000, 0, 3_600_000),
  };
}
