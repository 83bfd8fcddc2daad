import {
  type Env,
  loadServerConfig,
  readInt,
  readOptional,
  readPostgresUrl,
  type ServerConfig,
} from '@autoserve/runtime';

/** Scaler service settings; a pure function of the environment. */
export interface ScalerConfig {
  server: ServerConfig;
  /** Primary, scaler (read-write) role. */
  databaseUrl: string;
  /** When set, migrations are applied at start with this (owner) URL. */
  migrationsUrl: string | undefined;
  /** Connections in the pool. */
  poolMax: number;
}

export function loadConfig(env: Env): ScalerConfig {
  return {
    server: loadServerConfig(env, 'SCALER', { port: 50052, metricsPort: 9452 }),
    databaseUrl: readPostgresUrl(env, 'SCALER_DATABASE_URL'),
    migrationsUrl:
      readOptional(env, 'MIGRATIONS_DATABASE_URL') &&
      readPostgresUrl(env, 'MIGRATIONS_DATABASE_URL'),
    poolMax: readInt(env, 'SCALER_POOL_MAX', 20, 1, 500),
  };
}
