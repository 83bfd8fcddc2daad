/**
 * The chaos bench's Docker engine restart: a Scaler with the Docker runtime (and a Context) on
 * their own database, driving a private dockerd (`scripts/docker-engine.sh` with its own
 * DOCKER_DIR, stopped afterwards) whose containers use the host network on loopback ports. The
 * same mixed load runs against them while the engine goes down for a phase and comes back.
 * A database of its own because leader election is per database: the process-runtime Scalers
 * of the other phases would otherwise hold the lock.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createScalerClient } from '@autoserve/proto';
import Docker from 'dockerode';
import pg from 'pg';
import { seedHistory } from '../scripts/demo/seed.js';
import { type Cluster, freePorts, REPO } from '../test/support/cluster.js';
import { createTestDatabase } from '../test/support/database.js';
import { serviceEnv, TOKENS } from '../test/support/services.js';
import { lostBatches, type Proc, runFault, type spawnService, until } from './chaos-fault.js';
import { startLoad } from './support/chaos-load.js';

const run = promisify(execFile);
const APP = 'chaos-docker';
const BATCH = 100;

/** `docker-engine.sh up|down` on the bench's own engine directory; returns DOCKER_HOST on up. */
async function engine(cmd: 'up' | 'down'): Promise<string> {
  const env = { ...process.env, DOCKER_DIR: `${REPO}/.data/docker-chaos` };
  const r = await run('bash', [`${REPO}/scripts/docker-engine.sh`, cmd], {
    env,
    timeout: 120_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('DOCKER_HOST='));
  if (cmd === 'up' && !line) throw new Error(`docker-engine.sh up printed no DOCKER_HOST`);
  return line?.slice('DOCKER_HOST='.length) ?? '';
}

export async function dockerEnginePhase(o: {
  cluster: Cluster;
  phaseMs: number;
  spawn: typeof spawnService;
  /** Started processes, for the caller's cleanup. */
  procs: Proc[];
}): Promise<{ fault: Record<string, unknown>; acked: number; lost: string[] }> {
  const dockerHost = await engine('up');
  await run('bash', [`${REPO}/scripts/test-images.sh`], {
    env: { ...process.env, DOCKER_HOST: dockerHost },
    timeout: 180_000,
  });
  const docker = new Docker({ socketPath: dockerHost.replace(/^unix:\/\//, '') });
  const owner = `chaos-docker-${process.pid}`;
  const db = await createTestDatabase(o.cluster, 'autoserve_chaos_docker');
  const owned = new pg.Pool({ connectionString: db.ownerUrl, max: 2 });
  owned.on('error', () => {});
  const mine: Proc[] = [];
  try {
    const [scalerPort, contextPort] = await freePorts(2);
    const scaler = o.spawn(
      'scaler',
      serviceEnv(db, {
        SCALER_GRPC_PORT: String(scalerPort),
        SCALER_CONTROL_LOOP: 'true',
        SCALER_RUNTIME: 'docker',
        DOCKER_HOST: dockerHost,
        SCALER_RUNTIME_OWNER: owner,
        SCALER_PORT_RANGE_START: '31800',
        SCALER_PORT_RANGE_END: '31860',
        SCALER_LOOP_INTERVAL: '300ms',
        SCALER_LEADER_RETRY: '500ms',
        LOG_LEVEL: 'info',
      }),
      scalerPort!,
    );
    mine.push(scaler);
    o.procs.push(scaler);
    const context = o.spawn(
      'context',
      serviceEnv(db, { CONTEXT_GRPC_PORT: String(contextPort), LOG_LEVEL: 'info' }),
      contextPort!,
    );
    mine.push(context);
    o.procs.push(context);
    await until(
      'the Docker-runtime Scaler to lead and the Context to serve',
      () =>
        scaler.out().includes('"msg":"became leader"') && context.out().includes('serving gRPC'),
      30_000,
    );
    const client = createScalerClient({
      baseUrl: `http://127.0.0.1:${scalerPort}`,
      token: TOKENS.write,
    });
    await client.registerApp({
      name: APP,
      spec: { image: 'autoserve/node-http:test' },
      initialReplicas: 2,
      start: true,
      healthCheck: {
        path: '/healthz',
        initialDelay: { seconds: 0n },
        period: { seconds: 1n },
        timeout: { seconds: 1n },
      },
    });
    await seedHistory(client, APP, 'chaos-docker', 20);
    client.close();
    const appRunning = async () =>
      (
        await owned
          .query<{ n: number }>(
            `SELECT count(*)::int AS n FROM instances i JOIN applications a ON a.name = i.app_name
              WHERE a.name = $1 AND a.status = 'running' AND i.health_status = 'healthy'`,
            [APP],
          )
          .catch(() => ({ rows: [{ n: 0 }] }))
      ).rows[0]!.n >= 2;
    await until(`${APP} running with 2 healthy containers`, appRunning, 90_000).catch((err) => {
      throw new Error(`${(err as Error).message}\n${scaler.out().slice(-3000)}`);
    });
    // Containers of this owner that no live instance row claims (the engine must be up).
    const orphans = async () => {
      const live = new Set(
        (
          await owned.query<{ container_id: string }>(
            `SELECT container_id FROM instances WHERE status IN ('starting','running','draining','stopping')`,
          )
        ).rows.map((r) => r.container_id),
      );
      const ours = await docker.listContainers({
        all: true,
        filters: { label: [`autoserve.owner=${owner}`] },
      });
      return ours.filter((c) => !live.has(c.Id)).length;
    };
    const load = startLoad({
      scalerUrls: [`http://127.0.0.1:${scalerPort}`],
      contextUrl: `http://127.0.0.1:${contextPort}`,
      token: TOKENS.write,
      app: APP,
      streams: 2,
      batch: BATCH,
    });
    const fault = await runFault({
      name: 'restart of the Docker engine',
      phaseMs: o.phaseMs,
      load,
      inject: async () => void (await engine('down')),
      repair: async () => void (await engine('up')),
      appRunning,
      orphans,
      orphansKey: 'orphan_containers',
    });
    await load.stop();
    const lost = await lostBatches(owned, APP, load.acked, BATCH);
    return { fault, acked: load.acked.size, lost };
  } finally {
    for (const p of mine) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    const left = await docker
      .listContainers({ all: true, filters: { label: [`autoserve.owner=${owner}`] } })
      .catch(() => []);
    for (const c of left) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {});
    }
    await owned.end();
    await engine('down').catch(() => '');
  }
}
