/**
 * The whole local stack as `npm start` and `npm run demo` run it: Postgres
 * primary + replica, one migrated database, and both services as child
 * processes with a generated dev token, waited on until grpc.health.v1 says
 * SERVING.
 */
import { randomBytes } from 'node:crypto';
import { checkHealth } from '../../deploy/healthcheck.mjs';
import { findDockerEngine } from './docker-detect.js';
import { removeContainers, stopProcessInstances } from './instances.js';
import { ensureDatabase, migrate, type PgCluster, pgUp, withDb } from './pg-harness.js';
import { REPO } from './repo.js';
import type { ServiceName, ServiceProcess } from './service-process.js';
import { supervise } from './supervisor.js';

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
  /** What the runtime may run and as whom, as the banner shows it. */
  runtimeLimits: string;
  dockerHost: string | undefined;
  database: string;
  cluster: PgCluster;
  /** Migrations this start applied. */
  applied: string[];
  /** Restarts after crashes so far, per service (each crash is printed and restarted with back-off). */
  restarts(): Record<ServiceName, number>;
  /** Unexpected exits so far, per service (counted when the process exits). */
  crashes(): Record<ServiceName, number>;
  /** Process ids of the services running now. */
  pids(): Record<ServiceName, number | undefined>;
  /** Stops both services (SIGTERM, SIGKILL after the bound); Postgres keeps running. */
  stop(): Promise<void>;
  /** SIGKILL both services at once (a second Ctrl-C). */
  kill(): void;
}

const HEALTH_HOST = '127.0.0.1';

const LEVELS: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: 100,
};

/** pino level of a JSON log line; non-JSON lines (crash output) always show. */
function levelOf(line: string): number {
  if (!line.startsWith('{')) return 100;
  try {
    return Number((JSON.parse(line) as { level?: number }).level ?? 100);
  } catch {
    return 100;
  }
}

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
    env.SCALER_RUNTIME?.trim()
      ? `runtime ${runtime} (SCALER_RUNTIME)${dockerHost ? `, Docker engine at ${dockerHost}` : ''}`
      : dockerHost
        ? `Docker engine answers at ${dockerHost}: runtime ${runtime}`
        : `no Docker engine answers: runtime ${runtime}`,
  );

  // The starter learns the bound ports from the services' "serving" info
  // lines, so they always log at info or below; quieter levels are applied
  // here, to what is shown.
  const level = env.LOG_LEVEL?.trim() || 'info';
  const shown = LEVELS[level] ?? 30;
  const owner = env.SCALER_RUNTIME_OWNER?.trim() || `npm-start-${database}`;
  const processDir = env.SCALER_PROCESS_DIR?.trim() || `${REPO}/.data/processes/${owner}`;
  // The Scaler only runs what the operator allows (issue 9). For local development: the
  // test images, and this Node binary for the process runtime, whose children run as nobody
  // (or as this user when not root, since only root can switch users).
  const allowedImages = env.SCALER_ALLOWED_IMAGES?.trim() || 'autoserve/*';
  const allowedExecutables = env.SCALER_ALLOWED_EXECUTABLES?.trim() || process.execPath;
  const uid = process.getuid?.() ?? 0;
  const processUser =
    env.SCALER_PROCESS_USER?.trim() || (uid === 0 ? '65534:65534' : `${uid}:${process.getgid?.()}`);
  const runtimeLimits =
    runtime === 'process'
      ? `process runtime enabled (SCALER_RUNTIME=process): executables ${allowedExecutables}, children run as ${processUser}${uid !== 0 && processUser.startsWith(`${uid}:`) ? " (your own user: they can read the services' environment)" : ''}`
      : `images ${allowedImages}`;
  log(`runtime limits: ${runtimeLimits}`);
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
    SCALER_ALLOWED_IMAGES: allowedImages,
    SCALER_ALLOWED_EXECUTABLES: allowedExecutables,
    SCALER_PROCESS_USER: processUser,
    // Instances of this stack are told apart from any other Scaler's, so the
    // stop below removes exactly them.
    SCALER_RUNTIME_OWNER: owner,
    SCALER_PROCESS_DIR: processDir,
    LOG_LEVEL: shown > 30 ? 'info' : level,
    ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}),
    ...(token ? { AUTH_TOKENS: `dev:${token}:write` } : {}),
  };
  const supervised = (['context', 'scaler'] as const).map((name) =>
    supervise(
      name,
      serviceEnv,
      (line) => {
        if (levelOf(line) >= shown) options.onServiceLine(name, line);
      },
      log,
    ),
  );
  const children = supervised.map((s) => s.current());
  const grace = 15_000;
  const stop = async () => {
    await Promise.all(supervised.map((s) => s.stop(grace)));
    const stopped = await stopProcessInstances(processDir);
    if (stopped) log(`stopped ${stopped} app instance process(es)`);
    if (dockerHost) {
      const removed = await removeContainers(dockerHost, owner).catch((err: unknown) => {
        log(`could not remove containers: ${(err as Error).message}`);
        return 0;
      });
      if (removed) log(`removed ${removed} app container(s)`);
    }
  };
  try {
    const timeout = options.readyTimeoutMs ?? 60_000;
    const ports = await Promise.race([
      Promise.all(children.map((c) => c.grpcPort)),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`services not serving after ${timeout} ms`)),
          timeout,
        ).unref(),
      ),
    ]);
    await Promise.all(
      children.map((c, i) => waitServing(`${HEALTH_HOST}:${ports[i]}`, c, timeout)),
    );
    const [context, scaler] = children.map((c, i) => endpoint(ports[i]!, c.metricsPort())) as [
      Endpoint,
      Endpoint,
    ];
    supervised.forEach((s, i) => {
      s.arm({ grpc: ports[i]!, metrics: children[i]!.metricsPort() });
    });
    const kill = () => {
      for (const s of supervised) s.kill();
    };
    const perService = <T>(f: (s: (typeof supervised)[number]) => T) =>
      Object.fromEntries(supervised.map((s) => [s.name, f(s)])) as Record<ServiceName, T>;
    return {
      ...{ context, scaler, token, runtime, runtimeLimits, dockerHost, database, cluster, applied },
      restarts: () => perService((s) => s.restarts()),
      crashes: () => perService((s) => s.crashes()),
      pids: () => perService((s) => s.current().child.pid),
      ...{ stop, kill },
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
