import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { scaler } from '@autoserve/proto';
import type { RunningService } from '@autoserve/runtime';
import type Docker from 'dockerode';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../../support/cluster.js';
import { createTestDatabase, dropTestDatabase, type TestDb } from '../../support/database.js';
import { eventually, TOKENS } from '../../support/services.js';
import { runAutoscaleScenario } from './autoscale-scenario.js';
import { runScrapeScaleScenario } from './scrape-scenario.js';
import {
  controlEnv,
  dockerClient,
  ensureDocker,
  insertApp,
  ownedContainers,
  ownerPool,
  removeOwned,
  scalerClient,
  startControlScaler,
} from './support.js';

// One file for every test that drives the shared Docker engine: they run in
// order, so the engine restart at the end cannot disturb another file.
const run = promisify(execFile);
const cluster = inject('cluster');
const owner = `ctl-${process.pid}-${Date.now().toString(36)}`;
let db: TestDb;
let docker: Docker;
let dockerHost: string;
let pool: pg.Pool;
let svc: RunningService;
const env = () => controlEnv({ owner, dockerHost, ports: [31200, 31399] });

async function rows(app: string) {
  const r = await pool.query(
    `SELECT id, container_id, port, status, health_status, draining_since, last_error, ready_at
       FROM instances WHERE app_name = $1 ORDER BY replica_index`,
    [app],
  );
  return r.rows as {
    id: number;
    container_id: string;
    port: number;
    status: string;
    health_status: string;
    draining_since: Date | null;
    last_error: string | null;
  }[];
}

async function appStatus(app: string): Promise<string | undefined> {
  const r = await pool.query('SELECT status FROM applications WHERE name = $1', [app]);
  return r.rows[0]?.status;
}

async function healthyCount(app: string): Promise<number> {
  return (await rows(app)).filter((r) => r.status === 'running' && r.health_status === 'healthy')
    .length;
}

/** Every container with our owner label is an instance row, and the other way round. */
async function expectNoOrphans() {
  const containers = (await ownedContainers(docker, owner)).map((c) => c.Id).sort();
  const r = await pool.query<{ container_id: string }>(
    `SELECT container_id FROM instances WHERE status NOT IN ('error', 'stopped')`,
  );
  expect(containers).toEqual(r.rows.map((x) => x.container_id).sort());
}

async function events(
  app: string,
  type: string,
): Promise<{ message: string; details: Record<string, unknown> }[]> {
  const r = await pool.query(
    'SELECT message, details FROM events WHERE app_name = $1 AND event_type = $2 ORDER BY id',
    [app, type],
  );
  return r.rows;
}

beforeAll(async () => {
  dockerHost = await ensureDocker();
  docker = dockerClient(dockerHost);
  db = await createTestDatabase(cluster, `autoserve_ctl_${process.pid}_${Date.now().toString(36)}`);
  pool = await ownerPool(db);
  svc = await startControlScaler(db, env());
});

afterAll(async () => {
  await svc?.stop();
  if (docker) await removeOwned(docker, owner);
  await pool?.end();
  if (db) await dropTestDatabase(cluster, db.name);
});

describe('reconciler with the docker runtime', () => {
  it('creates the desired instances; they turn healthy and the app runs', async () => {
    await insertApp(pool, { name: 'svc', desired: 2 });
    await eventually(async () => (await appStatus('svc')) === 'running', 20_000, 'svc running');
    expect(await healthyCount('svc')).toBe(2);
    const health = await events('svc', 'health');
    expect(health.some((e) => e.details.to === 'healthy')).toBe(true);
    await expectNoOrphans();
  });

  it('renders an nginx upstream block from WatchEndpoints', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        `${REPO}/node_modules/tsx/dist/cli.mjs`,
        `${REPO}/scripts/nginx-upstream.ts`,
        '--app',
        'svc',
        '--url',
        `http://127.0.0.1:${svc.port}`,
        '--token',
        TOKENS.read,
        '--once',
      ],
      { timeout: 30_000 },
    );
    const ports = (await rows('svc')).map((r) => r.port);
    expect(stdout).toContain('upstream autoserve_svc {');
    for (const port of ports) expect(stdout).toContain(`server 127.0.0.1:${port};`);
  });

  it('scale-in drains first: out of the endpoint set, SIGTERM after the drain period, then removed', async () => {
    const before = await rows('svc');
    await pool.query(`UPDATE applications SET desired_replicas = 1 WHERE name = 'svc'`);
    await eventually(
      async () => (await rows('svc')).some((r) => r.draining_since),
      5000,
      'draining',
    );
    const draining = (await rows('svc')).find((r) => r.draining_since)!;
    // Newest goes first; while draining it still runs but is no endpoint.
    expect(draining.id).toBe(Math.max(...before.map((r) => r.id)));
    const c = await docker.getContainer(draining.container_id).inspect();
    expect(c.State.Running).toBe(true);
    const eps = await pool.query(
      `SELECT id FROM instances WHERE app_name = 'svc' AND status = 'running' AND health_status = 'healthy' AND draining_since IS NULL`,
    );
    expect(eps.rows.map((r) => r.id)).not.toContain(draining.id);
    await eventually(
      async () => (await rows('svc')).length === 1,
      10_000,
      'drained instance removed',
    );
    const lifecycle = await events('svc', 'lifecycle');
    const iDrain = lifecycle.findIndex((e) => e.message.includes('draining'));
    const iRemoved = lifecycle.findIndex((e) => e.message.includes('removed'));
    expect(iDrain).toBeGreaterThanOrEqual(0);
    expect(iRemoved).toBeGreaterThan(iDrain);
    await expectNoOrphans();
  });

  it('replaces a crashed container', async () => {
    await pool.query(`UPDATE applications SET desired_replicas = 2 WHERE name = 'svc'`);
    await eventually(async () => (await healthyCount('svc')) === 2, 15_000, '2 healthy');
    const victim = (await rows('svc'))[0]!;
    await docker.getContainer(victim.container_id).kill();
    await eventually(
      async () => {
        const r = await rows('svc');
        return (
          r.length === 2 &&
          !r.some((x) => x.container_id === victim.container_id) &&
          (await healthyCount('svc')) === 2
        );
      },
      20_000,
      'the crashed instance replaced',
    );
    const errors = await events('svc', 'error');
    expect(
      errors.some(
        (e) => e.message.includes(`instance ${victim.id}`) && e.message.includes('exited'),
      ),
    ).toBe(true);
    await eventually(
      async () => {
        const r = await pool.query(
          `SELECT phase FROM remediation_requests WHERE target_name = 'svc' AND labels->>'workflow' = 'replace-instance'`,
        );
        return r.rows.some((x) => x.phase === 'Completed');
      },
      10_000,
      'the replacement recorded with its outcome',
    );
    await expectNoOrphans();
  });

  it('health checks: healthy -> unhealthy past the failure threshold, then replaced', async () => {
    const before = (await rows('svc')).map((r) => r.container_id);
    await pool.query(`UPDATE health_checks SET path = '/missing' WHERE app_name = 'svc'`);
    await eventually(
      async () => (await events('svc', 'health')).some((e) => e.details.to === 'unhealthy'),
      10_000,
      'an unhealthy transition',
    );
    const ev = (await events('svc', 'health')).find((e) => e.details.to === 'unhealthy')!;
    expect(ev.details).toMatchObject({ from: 'healthy', consecutive_failures: 2 });
    expect(ev.message).toContain('HTTP 404');
    await pool.query(`UPDATE health_checks SET path = '/healthz' WHERE app_name = 'svc'`);
    await eventually(
      async () => {
        const r = await rows('svc');
        return (await healthyCount('svc')) === 2 && r.some((x) => !before.includes(x.container_id));
      },
      20_000,
      'unhealthy instances replaced by healthy ones',
    );
    await expectNoOrphans();
  });

  it('adopts the containers it finds after a crash instead of duplicating them', async () => {
    await svc.stop();
    const kept = (await ownedContainers(docker, owner)).map((c) => c.Id).sort();
    expect(kept).toHaveLength(2);
    // As if the Scaler died between creating the containers and recording them,
    // and while creating a third one.
    await pool.query(`DELETE FROM instances WHERE app_name = 'svc'`);
    await pool.query(
      `INSERT INTO instances (app_name, container_id, container_name, replica_index, ip, port, status)
       VALUES ('svc', 'pending:svc-7-dead', 'svc-7-dead', 7, '127.0.0.1', 31398, 'starting')`,
    );
    svc = await startControlScaler(db, env());
    await eventually(
      async () => (await healthyCount('svc')) === 2,
      15_000,
      'adopted instances healthy',
    );
    expect((await rows('svc')).map((r) => r.container_id).sort()).toEqual(kept);
    expect(
      (await events('svc', 'lifecycle')).filter((e) => e.message.includes('adopted')),
    ).toHaveLength(2);
    await expectNoOrphans();
  });

  it('a spec change rolls the instances to it, one at a time, never below the desired healthy count', async () => {
    await insertApp(pool, { name: 'roll', desired: 2 });
    await eventually(async () => (await appStatus('roll')) === 'running', 20_000, 'roll running');
    const oldIds = (await rows('roll')).map((r) => r.container_id);
    const client = scalerClient(svc.port);
    const updated = await client.updateApp({
      name: 'roll',
      spec: { image: 'autoserve/node-http:test', env: { RELEASE: 'two' } },
    });
    expect(updated.app?.status).toBe(scaler.AppStatus.UPDATING);
    const generation = updated.app!.generation;
    expect(generation).toBe(2n);

    // Serving instances (healthy, not draining), sampled through the rollout.
    let minServing = Number.POSITIVE_INFINITY;
    await eventually(
      async () => {
        const serving = (await rows('roll')).filter(
          (r) => r.status === 'running' && r.health_status === 'healthy' && !r.draining_since,
        ).length;
        minServing = Math.min(minServing, serving);
        // Running again, and the drained old instances are gone.
        return (await appStatus('roll')) === 'running' && (await rows('roll')).length === 2;
      },
      60_000,
      'rolled, running again, old instances removed',
    );
    expect(minServing).toBeGreaterThanOrEqual(2);

    const { instances } = await client.listInstances({ appName: 'roll' });
    expect(instances).toHaveLength(2);
    for (const i of instances) {
      expect(i.appGeneration).toBe(generation);
      expect(oldIds).not.toContain(i.containerId);
      const c = await docker.getContainer(i.containerId).inspect();
      expect(c.Config.Env).toContain('RELEASE=two');
      expect(c.Config.Labels['autoserve.generation']).toBe('2');
    }
    const drained = (await events('roll', 'lifecycle')).filter((e) =>
      e.message.includes('draining (replaced by generation 2)'),
    );
    expect(drained).toHaveLength(2);
    await client.deleteApp({ name: 'roll' });
    await eventually(async () => (await appStatus('roll')) === undefined, 30_000, 'roll deleted');
    await expectNoOrphans();
  });

  it('an update that cannot start leaves the old instance serving, app in error; a fix rolls on', async () => {
    await insertApp(pool, { name: 'stuck', desired: 1 });
    await eventually(async () => (await appStatus('stuck')) === 'running', 20_000, 'stuck running');
    const [old] = await rows('stuck');
    const client = scalerClient(svc.port);
    await client.updateApp({ name: 'stuck', spec: { image: 'autoserve/missing:none' } });
    await eventually(async () => (await appStatus('stuck')) === 'error', 20_000, 'stuck in error');
    const serving = (await rows('stuck')).filter(
      (r) => r.status === 'running' && r.health_status === 'healthy' && !r.draining_since,
    );
    expect(serving.map((r) => r.id)).toEqual([old!.id]);
    const errs = await events('stuck', 'error');
    expect(errs.some((e) => e.message.includes('image not found'))).toBe(true);

    const fixed = await client.updateApp({
      name: 'stuck',
      spec: { image: 'autoserve/node-http:test', env: { RELEASE: 'fixed' } },
    });
    await eventually(
      async () => {
        const r = await rows('stuck');
        return (await appStatus('stuck')) === 'running' && r.length === 1 && r[0]!.id !== old!.id;
      },
      60_000,
      'rolled to the fixed spec',
    );
    const { instances } = await client.listInstances({ appName: 'stuck' });
    expect(instances.map((i) => i.appGeneration)).toEqual([fixed.app!.generation]);
    await client.deleteApp({ name: 'stuck' });
    await eventually(async () => (await appStatus('stuck')) === undefined, 30_000, 'stuck deleted');
    await expectNoOrphans();
  });

  it('missing image: instance error, app error, an event naming the cause; the Scaler keeps running', async () => {
    await insertApp(pool, { name: 'ghost', image: 'autoserve/missing:none', desired: 1 });
    await eventually(async () => (await appStatus('ghost')) === 'error', 15_000, 'ghost in error');
    const r = await rows('ghost');
    expect(r[0]!.status).toBe('error');
    expect(r[0]!.last_error).toContain('image not found');
    const errs = await events('ghost', 'error');
    expect(errs.some((e) => e.message.includes('image not found'))).toBe(true);
    // Still serving and reconciling others.
    expect(await healthyCount('svc')).toBe(2);
  });

  it('port in use: the instance crashes before it is ready, app error naming the cause', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(31390, '127.0.0.1', resolve));
    try {
      await insertApp(pool, { name: 'clash', desired: 1, port: 31390 });
      await eventually(
        async () => (await appStatus('clash')) === 'error',
        20_000,
        'clash in error',
      );
      await eventually(
        // Found before the container starts (the port is checked first), or by its crash.
        async () =>
          (await events('clash', 'error')).some((e) =>
            /port 31390 is already in use|port in use/.test(e.message),
          ),
        10_000,
        'an event naming the port clash',
      );
    } finally {
      blocker.close();
    }
  });

  it('deleting an app removes its instances, then the app', async () => {
    for (const app of ['ghost', 'clash', 'svc']) {
      await pool.query(`UPDATE applications SET status = 'deleting' WHERE name = $1`, [app]);
    }
    await eventually(
      async () => (await pool.query('SELECT 1 FROM applications')).rowCount === 0,
      20_000,
      'apps deleted',
    );
    expect(await ownedContainers(docker, owner)).toHaveLength(0);
    expect((await pool.query('SELECT 1 FROM instances')).rowCount).toBe(0);
  });
});

/** Marks an app deleting and waits until the Scaler has removed it (and its instances). */
async function deleteApp(name: string) {
  await pool.query(`UPDATE applications SET status = 'deleting' WHERE name = $1`, [name]);
  await eventually(
    async () =>
      (await pool.query('SELECT 1 FROM applications WHERE name = $1', [name])).rowCount === 0,
    20_000,
    `${name} deleted`,
  );
}

describe('live autoscaling', () => {
  it('scales out under load, new instances turn healthy, scales in after the window, history shows outcomes', async () => {
    // Deleted whatever the scenario found: a failure here must not fail the next file's apps too.
    try {
      await runAutoscaleScenario({ pool, docker, owner, client: scalerClient(svc.port) });
    } finally {
      await deleteApp('web');
    }
  });
});

describe('live autoscaling on scraped metrics', () => {
  it("scales out and in on the app's own /metrics, with no ingest client", async () => {
    await runScrapeScaleScenario({ pool, client: scalerClient(svc.port) });
    await deleteApp('scraped-web');
  });
});

describe('engine restart', () => {
  it('an engine outage is an app error naming it; after the restart the app converges, no orphans', async () => {
    await insertApp(pool, { name: 'persist', desired: 2 });
    await eventually(
      async () => (await appStatus('persist')) === 'running',
      20_000,
      'persist running',
    );
    const before = (await rows('persist')).map((r) => r.container_id);
    await run('bash', [`${REPO}/scripts/docker-engine.sh`, 'down'], { timeout: 60_000 });
    try {
      await eventually(
        async () => (await appStatus('persist')) === 'error',
        10_000,
        'persist in error',
      );
      await eventually(
        async () =>
          (await events('persist', 'error')).some((e) =>
            e.message.includes('docker engine unreachable'),
          ),
        10_000,
        'an event naming the engine outage',
      );
    } finally {
      await run('bash', [`${REPO}/scripts/docker-engine.sh`, 'up'], { timeout: 120_000 });
    }
    await eventually(
      async () =>
        (await appStatus('persist')) === 'running' && (await healthyCount('persist')) === 2,
      30_000,
      'persist running again',
    );
    const after = (await rows('persist')).map((r) => r.container_id);
    expect(after.some((id) => !before.includes(id))).toBe(true);
    await expectNoOrphans();
  });
});
