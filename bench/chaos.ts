/**
 * `npm run bench -- chaos [--phase-seconds 8]`: faults under a mixed load,
 * on a private Postgres cluster (own ports, purged afterwards), loopback
 * only, bounded. Load: acked ingest streams, similarity searches, history
 * reads, and the control loop keeping a real app (process runtime) at two
 * replicas. Faults in turn: kill -9 of the replica (restarted after a
 * phase), restart of the primary, kill -9 of the leader Scaler with a
 * second one standing by. Per fault: failed calls by code, the longest gap
 * between successful answers per RPC, acked batches missing from Postgres
 * (must be 0), time until every RPC answered again, orphan instance
 * processes (must be 0), and how many Context answers were flagged
 * degraded. Writes bench/results/chaos.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScalerClient } from '@autoserve/proto';
import pg from 'pg';
import { createProcessRuntime } from '../scaler-service/src/runtime/process.js';
import { seedHistory } from '../scripts/demo/seed.js';
import { freePorts, pgctl, REPO, startCluster } from '../test/support/cluster.js';
import { createTestDatabase } from '../test/support/database.js';
import { serviceEnv, TOKENS } from '../test/support/services.js';
import { dockerEnginePhase } from './chaos-docker.js';
import { lostBatches, type Proc, runFault, sleep, spawnService, until } from './chaos-fault.js';
import { startLoad } from './support/chaos-load.js';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[]): Promise<void> {
  const phaseMs = arg(args, '--phase-seconds', 8) * 1000;
  const skipDocker = args.includes('--no-docker');
  const [primaryPort, replicaPort, scalerA, scalerB, contextPort] = await freePorts(5);
  const cluster = await startCluster({
    dir: `${REPO}/.data/pg-chaos-${process.pid}`,
    primaryPort: primaryPort!,
    replicaPort: replicaPort!,
  });
  const procDir = mkdtempSync(join(tmpdir(), 'autoserve-chaos-'));
  const procs: Proc[] = [];
  const owner = `chaos-${process.pid}`;
  try {
    const db = await createTestDatabase(cluster, 'autoserve_chaos');
    const ctl = {
      SCALER_CONTROL_LOOP: 'true',
      SCALER_RUNTIME: 'process',
      SCALER_PROCESS_DIR: procDir,
      SCALER_RUNTIME_OWNER: owner,
      SCALER_PORT_RANGE_START: '31700',
      SCALER_PORT_RANGE_END: '31760',
      SCALER_LOOP_INTERVAL: '300ms',
      SCALER_LEADER_RETRY: '500ms',
      LOG_LEVEL: 'info',
    };
    const scaler = (port: number) =>
      spawnService('scaler', serviceEnv(db, { ...ctl, SCALER_GRPC_PORT: String(port) }), port);
    const a = scaler(scalerA!);
    procs.push(a);
    await until('scaler A to lead', () => a.out().includes('"msg":"became leader"'), 30_000);
    const b = scaler(scalerB!);
    procs.push(b);
    const ctx = spawnService(
      'context',
      serviceEnv(db, {
        CONTEXT_GRPC_PORT: String(contextPort),
        CONTEXT_REPLICA_RETRY: '200ms',
        LOG_LEVEL: 'info',
        CONTEXT_REPLICA_CONNECT_TIMEOUT: '500ms',
      }),
      contextPort!,
    );
    procs.push(ctx);
    await until(
      'both services to serve',
      () => b.out().includes('serving gRPC') && ctx.out().includes('serving gRPC'),
      30_000,
    );

    const scalerClient = createScalerClient({
      baseUrl: `http://127.0.0.1:${scalerA}`,
      token: TOKENS.write,
    });
    await scalerClient.registerApp({
      name: 'chaos-web',
      spec: { command: [process.execPath, `${REPO}/scripts/test-app/server.js`] },
      initialReplicas: 2,
    });
    await scalerClient.startApp({ name: 'chaos-web' });
    // Past incidents for the similarity searches to find.
    await seedHistory(scalerClient, 'chaos-web', 'chaos', 20);
    scalerClient.close();
    const owned = new pg.Pool({ connectionString: db.ownerUrl, max: 2 });
    // Idle connections die with the primary restart: that is the fault, not a bench error.
    owned.on('error', () => {});
    const appRunning = async () =>
      (
        await owned
          .query(`SELECT status FROM applications WHERE name = 'chaos-web'`)
          .catch(() => ({ rows: [] as { status: string }[] }))
      ).rows[0]?.status === 'running';
    await until('chaos-web running', appRunning, 60_000).catch(async (err: Error) => {
      const ev = await owned.query(
        `SELECT message FROM events WHERE app_name = 'chaos-web' ORDER BY timestamp DESC LIMIT 5`,
      );
      throw new Error(
        `${err.message}: ${ev.rows.map((r) => r.message).join(' | ')}\n${a.out().slice(-3000)}`,
      );
    });

    const load = startLoad({
      scalerUrls: [`http://127.0.0.1:${scalerA}`, `http://127.0.0.1:${scalerB}`],
      contextUrl: `http://127.0.0.1:${contextPort}`,
      token: TOKENS.write,
      app: 'chaos-web',
      streams: 2,
      batch: 100,
    });
    const rt = createProcessRuntime({ dir: procDir });
    const orphans = async () => {
      const live = new Set(
        (
          await owned.query<{ container_id: string }>(
            `SELECT container_id FROM instances WHERE status IN ('starting','running','draining','stopping')`,
          )
        ).rows.map((r) => r.container_id),
      );
      return (await rt.list()).filter((i) => !live.has(i.id)).length;
    };
    const faults: Record<string, unknown>[] = [];
    const fault = async (
      name: string,
      inject: () => Promise<void>,
      repair?: () => Promise<void>,
    ) => {
      faults.push(await runFault({ name, phaseMs, load, inject, repair, appRunning, orphans }));
    };

    const replicaPid = () =>
      Number(readFileSync(`${cluster.dir}/replica/postmaster.pid`, 'utf8').split('\n')[0]);
    await fault(
      'kill -9 replica',
      async () => {
        process.kill(replicaPid(), 'SIGKILL');
      },
      async () => void (await pgctl(cluster, 'up-replica')),
    );
    await fault('restart primary', async () => {
      await pgctl(cluster, 'stop-primary', 'fast');
      await pgctl(cluster, 'up-primary');
    });
    const leader = a.out().includes('"msg":"became leader"') ? a : b;
    await fault('kill -9 leader scaler (standby takes over)', async () => {
      leader.child.kill('SIGKILL');
    });
    (faults.at(-1) as Record<string, unknown>).killed_scaler_exited =
      leader.child.exitCode !== null || leader.child.signalCode !== null;

    await load.stop();
    await sleep(1000);
    const lost = await lostBatches(owned, 'chaos-web', load.acked, 100);
    await owned.end();
    // The engine restart, on its own database, Scaler (Docker runtime) and Context.
    const docker = skipDocker
      ? undefined
      : await dockerEnginePhase({ cluster, phaseMs, spawn: spawnService, procs });
    if (docker) faults.push(docker.fault);
    const result = {
      phase_seconds: phaseMs / 1000,
      acked_batches: load.acked.size + (docker?.acked ?? 0),
      acked_batches_lost: lost.length + (docker?.lost.length ?? 0),
      lost_examples: [...lost, ...(docker?.lost ?? [])].slice(0, 5),
      faults,
      not_run: docker ? [] : ['restart of the Docker engine (--no-docker)'],
    };
    writeFileSync(
      new URL('./results/chaos.json', import.meta.url),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    process.stdout.write(
      `acked batches ${result.acked_batches}, lost ${result.acked_batches_lost}; bench/results/chaos.json written\n`,
    );
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    const rt = createProcessRuntime({ dir: procDir });
    for (const i of await rt.list().catch(() => [])) await rt.remove(i.id).catch(() => {});
    rmSync(procDir, { recursive: true, force: true });
    await pgctl(cluster, 'down', '--purge').catch(() => {});
  }
}
