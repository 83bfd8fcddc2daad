import {
  ConfigError,
  type Env,
  readDurationMs,
  readEnum,
  readOptional,
  readPort,
  readString,
} from '../config/env.js';
import { type AuthConfig, loadAuthConfig } from '../grpc/auth.js';
import type { TlsConfig } from '../grpc/server.js';
import { loadStreamConfig, type StreamConfig } from './stream-config.js';

/** Settings every service shares. */
export interface ServerConfig {
  /** Address the gRPC server binds (default 127.0.0.1; 0.0.0.0 in containers). */
  host: string;
  /** gRPC port. */
  port: number;
  /** Prometheus /metrics HTTP port (0 = pick a free one); undefined when set to "off". */
  metricsPort: number | undefined;
  /**
   * Address /metrics binds: loopback unless the operator says otherwise. It needs no token, so
   * it is not exposed just because gRPC is (GRPC_HOST=0.0.0.0 in containers).
   */
  metricsHost: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  auth: AuthConfig;
  tls: TlsConfig | undefined;
  /** How often the database probe runs for grpc.health.v1. */
  healthIntervalMs: number;
  /** How long in-flight calls may finish after SIGTERM. */
  shutdownGraceMs: number;
  /** HMAC keys of page tokens (first signs, all verify; empty: a random per-process key). */
  pageTokenKeys: string[];
  /** Page tokens older than this are refused as stale. */
  pageTokenMaxAgeMs: number;
  /** Stream caps, keepalive, maximum connection age. */
  streams: StreamConfig;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

function loadTls(env: Env): TlsConfig | undefined {
  const certFile = readOptional(env, 'TLS_CERT_FILE');
  const keyFile = readOptional(env, 'TLS_KEY_FILE');
  const clientCaFile = readOptional(env, 'TLS_CLIENT_CA_FILE');
  if (!certFile && !keyFile) {
    if (clientCaFile)
      throw new ConfigError('TLS_CLIENT_CA_FILE', 'needs TLS_CERT_FILE and TLS_KEY_FILE');
    return undefined;
  }
  if (!certFile) throw new ConfigError('TLS_CERT_FILE', 'is required when TLS_KEY_FILE is set');
  if (!keyFile) throw new ConfigError('TLS_KEY_FILE', 'is required when TLS_CERT_FILE is set');
  return clientCaFile ? { certFile, keyFile, clientCaFile } : { certFile, keyFile };
}

/** PAGE_TOKEN_KEYS="newest,older,...": at least 32 characters each, no duplicates. */
function loadPageTokenKeys(env: Env): string[] {
  const spec = readOptional(env, 'PAGE_TOKEN_KEYS');
  if (!spec) return [];
  const keys = spec.split(',').map((k) => k.trim());
  keys.forEach((k, i) => {
    if (k.length < 32) {
      throw new ConfigError(
        'PAGE_TOKEN_KEYS',
        `key ${i + 1} must be at least 32 characters (openssl rand -base64 32)`,
      );
    }
    if (keys.indexOf(k) !== i) throw new ConfigError('PAGE_TOKEN_KEYS', `key ${i + 1} is repeated`);
  });
  return keys;
}

/**
 * Reads the shared settings. `prefix` ("CONTEXT" or "SCALER") names the
 * service-specific port variables so one environment can configure both.
 */
export function loadServerConfig(
  env: Env,
  prefix: string,
  defaults: { port: number; metricsPort: number },
): ServerConfig {
  return {
    host: readString(env, 'GRPC_HOST', '127.0.0.1'),
    port: readPort(env, `${prefix}_GRPC_PORT`, defaults.port, true),
    metricsPort:
      readOptional(env, `${prefix}_METRICS_PORT`)?.toLowerCase() === 'off'
        ? undefined
        : readPort(env, `${prefix}_METRICS_PORT`, defaults.metricsPort, true),
    metricsHost: readString(env, 'METRICS_HOST', '127.0.0.1'),
    logLevel: readEnum(env, 'LOG_LEVEL', LEVELS, 'info'),
    auth: loadAuthConfig(env),
    tls: loadTls(env),
    healthIntervalMs: readDurationMs(env, 'HEALTH_INTERVAL', 1000, 100, 60_000),
    shutdownGraceMs: readDurationMs(env, 'SHUTDOWN_GRACE', 10_000, 0, 300_000),
    pageTokenKeys: loadPageTokenKeys(env),
    pageTokenMaxAgeMs: readDurationMs(
      env,
      'PAGE_TOKEN_MAX_AGE',
      86_400_000,
      60_000,
      30 * 86_400_000,
    ),
    streams: loadStreamConfig(env),
  };
}
