/**
 * The whole local stack as `npm start` and `npm run demo` run it: Postgres
 * primary + replica, one migrated database, and both services as child
 * processes with a generated dev token, waited on until grpc.health.v1 says
 * SERVING.
 */
import { randomBytes } from 'node:crypto';
import { checkHealth } from '../../deploy/healthcheck.mjs';
import { findDockerEngine } from './docker-detect.js';
import { ensureDatabase, migrate, type PgCluster, pgUp, withDb } from './pg-harness.js';
import { type ServiceName, type ServiceProcess, spawnService } from './service-process.js';

export interface StackOptions {
  /** Environment the services inherit; overrides (ports, DB name) are read from it. */
  env: NodeJS.ProcessEnv;
  /** Progress lines of the starter itself. */
  log: (line: string) => void;
  /** Every log line of a service. */
  onServiceLine: (service: ServiceName, line: string) => void;
  /** How long the services may take to answer SERVING. */
  readyTimeoutMs?: number;
}

export interface Endpoint {
  /** host:port of the gRPC server. */
  address: string;
  /** http://host:port for Connect clients and buf curl. */
  url: string;
  metricsUrl: string | undefined;
}

export interface Stack {
  context: Endpoint;
  scaler: Endpoint;
  /** Bearer token with the write scope; undefined when AUTH_TOKENS/AUTH_DISABLED came from the environment. */
  token: string | undefined;
  runtime: string;
  dockerHost: string | undefined;
  database: string;
  cluster: PgCluster;
  /** Migrations this start applied. */
  applied: string[];
  /** Resolves when either service exits by itself (a crash), with its name. */
  crashed: Promise<ServiceName>;
  /** Stops both services (SIGTERM, SIGKILL after the bound); Postgres keeps running. */
  stop(): Promise<void>;
  /** SIGKILL both services at once (a second Ctrl-C). */
  kill(): void;
}

const HEALTH_HOST = '127.0.0.1';

async function waitServing(address: string, child: ServiceProcess, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (child.child.exitCode !== null)
      throw new Error(`${child.name} exited:\n${child.tail().join('\n')}`);
    try {
      last = await checkHealth(address, { timeoutMs: 1000 });
      if (last === 'SERVING') return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > until)
      throw new Error(`${child.name} at ${address} not SERVING after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function endpoint(port: number, metricsPort: number | undefined): Endpoint {
  return {
    address: `${HEALTH_HOST}:${port}`,
    url: `http://${HEALTH_HOST}:${port}`,
    metricsUrl: metricsPort ? `http://${HEALTH_HOST}:${metricsPort}/metrics` : undefined,
  };
}

/** Generated dev token: 24 random bytes, URL-safe, fresh on every start. */
export function generateToken(): string {
  return `dev-${randomBytes(24).toString('base64url')}`;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { env, log } = options;
  const database = env.AUTOSERVE_DB?.trim() || 'autoserve';
  log('starting Postgres primary + replica (scripts/pg.sh up)');
  const cluster = await pgUp(env, (line) => log(line));
  const created = await ensureDatabase(cluster.primaryUrl, database);
  log(`database ${database} ${created ? 'created' : 'exists'}`);
  const { applied, version } = await migrate(
    withDb(cluster.primaryUrl, database),
    withDb(cluster.replicaUrl, database),
  );
  log(
    `migrations: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'} (version ${version})`,
  );

  const dockerHost = env.SCALER_RUNTIME === 'process' ? undefined : await findDockerEngine(env);
  const runtime = env.SCALER_RUNTIME?.trim() || (dockerHost ? 'docker' : 'process');
  log(
    dockerHost
      ? `Docker engine answers at ${dockerHost}: runtime ${runtime}`
      : `no Docker engine answers: runtime ${runtime}`,
  );

  const userAuth = Boolean(env.AUTH_TOKENS?.trim() || env.AUTH_DISABLED?.trim());
  const token = userAuth ? undefined : generateToken();
  const serviceEnv: NodeJS.ProcessEnv = {
    ...env,
    CONTEXT_GRPC_PORT: env.CONTEXT_GRPC_PORT ?? '50051',
    SCALER_GRPC_PORT: env.SCALER_GRPC_PORT ?? '50052',
    SCALER_DATABASE_URL: withDb(cluster.primaryUrl, database, 'autoserve_scaler'),
    CONTEXT_REPLICA_URL: withDb(cluster.replicaUrl, database, 'autoserve_context'),
    CONTEXT_PRIMARY_URL: withDb(cluster.primaryUrl, database, 'autoserve_context'),
    SCALER_RUNTIME: runtime,
    ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}),
    ...(token ? { AUTH_TOKENS: `dev:${token}:write` } : {}),
  };
  const children = (['context', 'scaler'] as const).map((name) =>
    spawnService(name, serviceEnv, (line) => options.onServiceLine(name, line)),
  );
  const grace = 15_000;
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop(grace)));
  };
  try {
    const ports = await Promise.all(children.map((c) => c.grpcPort));
    const timeout = options.readyTimeoutMs ?? 60_000;
    await Promise.all(
      children.map((c, i) => waitServing(`${HEALTH_HOST}:${ports[i]}`, c, timeout)),
    );
    const [context, scaler] = children.map((c, i) => endpoint(ports[i]!, c.metricsPort())) as [
      Endpoint,
      Endpoint,
    ];
    const crashed = Promise.race(children.map((c) => c.exited.then(() => c.name)));
    const kill = () => {
      for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    };
    return {
      ...{ context, scaler, token, runtime, dockerHost, database, cluster, applied },
      ...{ crashed, stop, kill },
    };
  } catch (err) {
    await stop();
    const tail = children.flatMap((c) => c.tail()).join('\n');
    if (/EADDRINUSE|address already in use/i.test(tail)) {
      throw new Error(
        `${(err as Error).message}\nA port is in use: is another npm start running? Set CONTEXT_GRPC_PORT / SCALER_GRPC_PORT (and *_METRICS_PORT) to free ports.`,
      );
    }
    throw err;
  }
}
