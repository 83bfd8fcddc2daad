import { ConfigError, type Env, readDurationMs, readInt } from '../config/env.js';

/** Caps on long-lived streams and the lifetime of client connections. */
export interface StreamConfig {
  /** Concurrent server streams (Watch*) one principal may hold. */
  maxStreamsPerPrincipal: number;
  /** Concurrent server streams (Watch*) of the whole server. */
  maxStreams: number;
  /** Concurrent grpc.health.v1 Watch streams (per peer address: maxStreamsPerPrincipal). */
  maxHealthWatches: number;
  /** Server PING interval on an open connection; finds dead peers holding streams. */
  keepaliveTimeMs: number;
  /** A PING unanswered this long closes the connection. */
  keepaliveTimeoutMs: number;
  /** After this age a connection gets GOAWAY (clients reconnect; load spreads again). 0 = never. */
  maxConnectionAgeMs: number;
  /** How long calls may continue on a connection after its GOAWAY. */
  maxConnectionAgeGraceMs: number;
}

const DAY_MS = 86_400_000;

/** Reads the stream caps and connection lifetime settings (shared by both services). */
export function loadStreamConfig(env: Env): StreamConfig {
  const maxStreams = readInt(env, 'GRPC_MAX_STREAMS', 2000, 1, 1_000_000);
  const maxStreamsPerPrincipal = readInt(env, 'GRPC_MAX_STREAMS_PER_PRINCIPAL', 500, 1, 1_000_000);
  if (maxStreamsPerPrincipal > maxStreams) {
    throw new ConfigError(
      'GRPC_MAX_STREAMS_PER_PRINCIPAL',
      `must not exceed GRPC_MAX_STREAMS (${maxStreams})`,
    );
  }
  return {
    maxStreamsPerPrincipal,
    maxStreams,
    maxHealthWatches: readInt(env, 'GRPC_MAX_HEALTH_WATCHES', 200, 1, 1_000_000),
    keepaliveTimeMs: readDurationMs(env, 'GRPC_KEEPALIVE_TIME', 120_000, 100, DAY_MS),
    keepaliveTimeoutMs: readDurationMs(env, 'GRPC_KEEPALIVE_TIMEOUT', 20_000, 100, 600_000),
    maxConnectionAgeMs: readDurationMs(env, 'GRPC_MAX_CONNECTION_AGE', 1_800_000, 0, 30 * DAY_MS),
    maxConnectionAgeGraceMs: readDurationMs(
      env,
      'GRPC_MAX_CONNECTION_AGE_GRACE',
      60_000,
      0,
      DAY_MS,
    ),
  };
}
