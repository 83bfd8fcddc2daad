import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import type { CallObserver, ServiceRegistration } from '../grpc/adapter.js';
import { createAuthenticator } from '../grpc/auth.js';
import { type DbProbe, watchDbHealth } from '../grpc/health.js';
import type { Interceptor } from '../grpc/interceptor.js';
import { createPageTokenKeyring, setPageTokenKeyring } from '../grpc/page-token-keys.js';
import { type RunningServer, startGrpcServer } from '../grpc/server.js';
import { observePool } from '../metrics/pool.js';
import { rpcMetricsObserver } from '../metrics/registry.js';
import { type MetricsServer, startMetricsServer } from '../metrics/server.js';
import type { ServerConfig } from './server-config.js';

/** A started service. */
export interface RunningService {
  /** Bound gRPC port. */
  port: number;
  /** Bound /metrics port; undefined when metrics are off. */
  metricsPort: number | undefined;
  server: RunningServer;
  /** Graceful stop: NOT_SERVING, drain calls, then `onStop` (close pools). */
  stop(): Promise<void>;
}

export interface ServeOptions {
  config: ServerConfig;
  log: Logger;
  services: ServiceRegistration[];
  /** Resolves while the service's database answers. */
  probe: DbProbe;
  /** Runs after the server stopped: close pools, stop loops. */
  onStop: () => Promise<void>;
  onCallEnd?: CallObserver;
  /** Pools whose usage /metrics reports, by name ("primary", "replica"). */
  pools?: Record<string, Pool>;
  /** Run after auth, before size limits and decoding (per-principal limits and the like). */
  interceptors?: readonly Interceptor[];
}

function withTimeout(probe: DbProbe, ms: number): DbProbe {
  return () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('database probe timed out')), ms);
      probe().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
}

/**
 * The common start sequence of both services: gRPC server with health and
 * reflection, health driven by the database probe, graceful stop.
 */
export async function serve(options: ServeOptions): Promise<RunningService> {
  const { config, log } = options;
  const auth = createAuthenticator(config.auth);
  if (auth.disabled) {
    log.warn(
      'AUTH DISABLED: every caller gets read and write access. Local development only; set AUTH_TOKENS in any shared environment.',
    );
  }
  setPageTokenKeyring(
    createPageTokenKeyring(config.pageTokenKeys, { maxAgeMs: config.pageTokenMaxAgeMs }),
  );
  if (config.pageTokenKeys.length === 0) {
    log.warn(
      'PAGE_TOKEN_KEYS unset: page tokens are signed with a random key of this process; they stop working after a restart and on other replicas',
    );
  }
  const countCall = rpcMetricsObserver(options.services.map((s) => s.service.typeName).join(','));
  const extraObserver = options.onCallEnd;
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    services: options.services,
    log,
    auth,
    ...(config.tls ? { tls: config.tls } : {}),
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    streams: config.streams,
    onCallEnd: (method, code, ms) => {
      countCall(method, code, ms);
      extraObserver?.(method, code, ms);
    },
  });
  const unobserve = Object.entries(options.pools ?? {}).map(([name, pool]) =>
    observePool(name, pool),
  );
  let metrics: MetricsServer | undefined;
  if (config.metricsPort !== undefined) {
    try {
      metrics = await startMetricsServer({
        host: config.metricsHost,
        port: config.metricsPort,
        log,
      });
    } catch (err) {
      for (const stopObserving of unobserve) stopObserving();
      await server.shutdown(0);
      throw err;
    }
  }
  const health = watchDbHealth({
    health: server.health,
    serviceNames: options.services.map((s) => s.service.typeName),
    probe: withTimeout(options.probe, Math.max(500, config.healthIntervalMs * 2)),
    intervalMs: config.healthIntervalMs,
    log,
  });
  await health.check();
  log.info({ host: config.host, port: server.port, tls: Boolean(config.tls) }, 'serving gRPC');
  let stopping: Promise<void> | undefined;
  return {
    port: server.port,
    metricsPort: metrics?.port,
    server,
    stop() {
      stopping ??= (async () => {
        health.stop();
        await server.shutdown(config.shutdownGraceMs);
        await metrics?.close();
        for (const stopObserving of unobserve) stopObserving();
        await options.onStop();
      })();
      return stopping;
    },
  };
}
