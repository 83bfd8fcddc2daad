import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GuardedSessionManager, ScalerService } from '@autoserve/proto';
import type { Env, RunningService } from '@autoserve/runtime';
import { type Client, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import Docker from 'dockerode';
import type pg from 'pg';
import { REPO } from '../../support/cluster.js';
import { type TestDb, testPool } from '../../support/database.js';
import { eventually, startScaler, TOKENS } from '../../support/services.js';

const run = promisify(execFile);

/**
 * Starts (or reuses) the private Docker engine and builds the test images.
 * Fails loudly: these tests never skip.
 */
export async function ensureDocker(): Promise<string> {
  const up = await run('bash', [`${REPO}/scripts/docker-engine.sh`, 'up'], { timeout: 120_000 });
  const line = up.stdout
    .trim()
    .split('\n')
    .find((l) => l.startsWith('DOCKER_HOST='));
  if (!line) throw new Error(`docker-engine.sh up printed no DOCKER_HOST: ${up.stderr}`);
  const dockerHost = line.slice('DOCKER_HOST='.length);
  await run('bash', [`${REPO}/scripts/test-images.sh`], {
    timeout: 180_000,
    env: { ...process.env, DOCKER_HOST: dockerHost },
  });
  return dockerHost;
}

export function dockerClient(dockerHost: string): Docker {
  return new Docker({ socketPath: dockerHost.replace(/^unix:\/\//, '') });
}

/** Containers carrying this owner label. */
export async function ownedContainers(docker: Docker, owner: string) {
  return docker.listContainers({ all: true, filters: { label: [`autoserve.owner=${owner}`] } });
}

/** Removes every container of an owner (afterAll). */
export async function removeOwned(docker: Docker, owner: string): Promise<void> {
  for (const c of await ownedContainers(docker, owner)) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
  }
}

/** Env of a Scaler whose control loop drives a private runtime owner and port range. */
export function controlEnv(opts: {
  owner: string;
  ports: [number, number];
  runtime?: 'docker' | 'process';
  dockerHost?: string;
  extra?: Env;
}): Env {
  return {
    SCALER_CONTROL_LOOP: 'true',
    SCALER_RUNTIME: opts.runtime ?? 'docker',
    ...(opts.dockerHost ? { DOCKER_HOST: opts.dockerHost } : {}),
    SCALER_RUNTIME_OWNER: opts.owner,
    SCALER_PORT_RANGE_START: String(opts.ports[0]),
    SCALER_PORT_RANGE_END: String(opts.ports[1]),
    SCALER_LOOP_INTERVAL: '300ms',
    SCALER_EVALUATION_INTERVAL: '1s',
    SCALER_PROBE_TICK: '100ms',
    SCALER_STATS_INTERVAL: '1s',
    SCALER_DRAIN_PERIOD: '1500ms',
    SCALER_STOP_GRACE: '3s',
    SCALER_LEADER_RETRY: '500ms',
    ...opts.extra,
  };
}

export async function startControlScaler(db: TestDb, env: Env): Promise<RunningService> {
  return startScaler(db, env);
}

/** A typed Scaler client with the write token. */
export function scalerClient(port: number): Client<typeof ScalerService> {
  return createClient(
    ScalerService,
    createGrpcTransport({
      baseUrl: `http://127.0.0.1:${port}`,
      // A server's GOAWAY must not crash the test process (connect-es #1768).
      sessionManager: new GuardedSessionManager(`http://127.0.0.1:${port}`),
      interceptors: [
        (next) => (req) => {
          req.header.set('authorization', `Bearer ${TOKENS.write}`);
          return next(req);
        },
      ],
    }),
  );
}

/** An owner connection to the test database (setup and assertions). */
export async function ownerPool(db: TestDb): Promise<pg.Pool> {
  return testPool(db.ownerUrl, 4);
}

/** Inserts an app with a policy and health check directly (the write-side RPCs are tested elsewhere). */
export async function insertApp(
  pool: pg.Pool,
  app: {
    name: string;
    image?: string;
    command?: string[];
    desired: number;
    mode?: 'auto' | 'manual';
    port?: number;
    policy?: Record<string, unknown>;
    check?: Record<string, unknown>;
  },
): Promise<void> {
  const spec = {
    image: app.image ?? 'autoserve/node-http:test',
    command: app.command ?? [],
    args: [],
    env: {},
    port: app.port ?? 0,
    cpu_limit: 0,
    memory_limit_bytes: 0,
    labels: {},
  };
  await pool.query(
    `INSERT INTO applications (name, spec, status, mode, desired_replicas) VALUES ($1, $2, 'starting', $3, $4)`,
    [app.name, JSON.stringify(spec), app.mode ?? 'manual', app.desired],
  );
  const policy = { min_replicas: 1, max_replicas: 5, ...app.policy };
  const cols = Object.keys(policy);
  await pool.query(
    `INSERT INTO scaling_policies (app_name, ${cols.join(', ')}) VALUES ($1, ${cols.map((_, i) => `$${i + 2}`).join(', ')})`,
    [
      app.name,
      ...cols.map((c) => {
        const v = (policy as Record<string, unknown>)[c];
        return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
      }),
    ],
  );
  const check = {
    protocol: 'HTTP',
    path: '/healthz',
    port: null,
    initial_delay_seconds: 0,
    period_seconds: 1,
    timeout_seconds: 1,
    failure_threshold: 2,
    success_threshold: 1,
    ...app.check,
  };
  const hcCols = Object.keys(check);
  await pool.query(
    `INSERT INTO health_checks (app_name, ${hcCols.join(', ')}) VALUES ($1, ${hcCols.map((_, i) => `$${i + 2}`).join(', ')})`,
    [app.name, ...hcCols.map((c) => (check as Record<string, unknown>)[c])],
  );
}

/** Waits until an app is scaled back in to one instance; returns how long that took. */
export async function waitForScaleInToOne(pool: pg.Pool, app: string): Promise<number> {
  const idleAt = Date.now();
  await eventually(
    async () => {
      const r = await pool.query<{ n: number; d: number }>(
        `SELECT (SELECT count(*)::int FROM instances WHERE app_name = $1) AS n,
                (SELECT desired_replicas FROM applications WHERE name = $1) AS d`,
        [app],
      );
      return r.rows[0]!.d === 1 && r.rows[0]!.n === 1;
    },
    45_000,
    'scale-in to 1 instance',
  );
  return Date.now() - idleAt;
}
