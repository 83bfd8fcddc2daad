import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scaler } from '@autoserve/proto';
import type { RunningService } from '@autoserve/runtime';
import Docker from 'dockerode';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../../support/cluster.js';
import { createTestDatabase, dropTestDatabase, type TestDb } from '../../support/database.js';
import {
  dockerCli,
  startRegistry,
  type TestRegistry,
  writeRegistryAuth,
} from '../../support/registry.js';
import { eventually } from '../../support/services.js';
import { controlEnv, ownerPool, removeOwned, scalerClient, startControlScaler } from './support.js';

// Pulls against a real registry (Debian's docker-registry, Docker Distribution 2.8) on
// loopback, through a private engine of this file's own (it deletes images to measure a first
// pull, and docker.test.ts restarts the shared engine), so nothing here disturbs another file.
const run = promisify(execFile);
const cluster = inject('cluster');
const owner = `reg-${process.pid}-${Date.now().toString(36)}`;
const OPEN_PORT = Number(process.env.REGISTRY_TEST_PORT ?? 56470);
const AUTH_PORT = OPEN_PORT + 1;
const USER = 'autoserve';
const PASSWORD = `pw-${process.pid}-${Date.now().toString(36)}`;
const ENGINE_DIR = join(REPO, '.data', 'docker-registry-test');
const engineEnv = { ...process.env, DOCKER_DIR: ENGINE_DIR };

let db: TestDb;
let pool: pg.Pool;
let svc: RunningService;
let docker: Docker;
let dockerHost: string;
let cli: ReturnType<typeof dockerCli>;
let open: TestRegistry;
let locked: TestRegistry;
let authDir: string;
let authFile: string;
/** 127.0.0.1:<port>/autoserve/node-http (open registry) and its first digest. */
let repo: string;
let d1: string;
const timings: Record<string, number> = {};

const client = () => scalerClient(svc.port);

async function register(
  name: string,
  image: string,
  replicas: number,
  pullPolicy = scaler.ImagePullPolicy.IF_NOT_PRESENT,
  env: Record<string, string> = {},
) {
  return client().registerApp({
    name,
    spec: { image, pullPolicy, env },
    mode: scaler.AppMode.MANUAL,
    initialReplicas: replicas,
    scalingPolicy: { minReplicas: 1, maxReplicas: 5 },
    healthCheck: {
      protocol: scaler.ProbeProtocol.HTTP,
      path: '/healthz',
      initialDelay: { seconds: 0n },
      period: { seconds: 1n },
      timeout: { seconds: 1n },
      failureThreshold: 2,
      successThreshold: 1,
    },
    start: true,
  });
}

async function appStatus(name: string): Promise<string | undefined> {
  const r = await pool.query('SELECT status FROM applications WHERE name = $1', [name]);
  return r.rows[0]?.status;
}

interface Row {
  id: number;
  container_id: string;
  status: string;
  health_status: string;
  draining_since: Date | null;
  app_generation: string | null;
  image_digest: string | null;
  last_error: string | null;
}

async function rows(name: string): Promise<Row[]> {
  const r = await pool.query<Row>(
    `SELECT id, container_id, status, health_status, draining_since, app_generation, image_digest,
            last_error
       FROM instances WHERE app_name = $1 ORDER BY id`,
    [name],
  );
  return r.rows;
}

const serving = (r: Row) =>
  r.status === 'running' && r.health_status === 'healthy' && !r.draining_since;

async function events(name: string, type: string) {
  const r = await pool.query<{
    message: string;
    details: Record<string, unknown>;
    timestamp: Date;
  }>(
    'SELECT message, details, timestamp FROM events WHERE app_name = $1 AND event_type = $2 ORDER BY id',
    [name, type],
  );
  return r.rows;
}

/** Engine pull events since `since` (seconds): the engine's own count of pulls. */
async function enginePulls(since: number): Promise<string[]> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const stream = (await docker.getEvents({
    since,
    until,
    filters: { type: ['image'], event: ['pull'] },
  })) as unknown as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id);
}

/** Lookups of a tag (the engine sends HEAD .../manifests/<tag>, then GETs the digest). */
const tagLookups = (r: TestRegistry, path: string, tag: string) =>
  r.requests(new RegExp(`"(GET|HEAD) /v2/${path}/manifests/${tag} `));

/** The containers of an app's instances: what image reference each was made from. */
async function containerImages(
  name: string,
): Promise<{ image: string; label: string | undefined; id: string }[]> {
  const out = [];
  for (const r of (await rows(name)).filter((x) => !x.container_id.startsWith('pending:'))) {
    const c = await docker.getContainer(r.container_id).inspect();
    out.push({
      image: c.Config.Image,
      label: c.Config.Labels['autoserve.image-digest'],
      id: c.Image,
    });
  }
  return out;
}

async function waitRunning(name: string, timeoutMs = 60_000) {
  await eventually(async () => (await appStatus(name)) === 'running', timeoutMs, `${name} running`);
}

beforeAll(async () => {
  const up = await run('bash', [`${REPO}/scripts/docker-engine.sh`, 'up'], {
    env: engineEnv,
    timeout: 180_000,
  });
  dockerHost = /DOCKER_HOST=(\S+)/.exec(up.stdout)![1]!;
  await run('bash', [`${REPO}/scripts/test-images.sh`], {
    env: { ...process.env, DOCKER_HOST: dockerHost },
    timeout: 180_000,
  });
  docker = new Docker({ socketPath: dockerHost.replace(/^unix:\/\//, '') });
  cli = dockerCli(dockerHost);
  open = await startRegistry({ port: OPEN_PORT });
  locked = await startRegistry({ port: AUTH_PORT, auth: { user: USER, password: PASSWORD } });

  // The test image goes to both registries; then the engine forgets it entirely, so the first
  // pull below downloads every layer.
  repo = `${open.host}/autoserve/node-http`;
  await cli.run(['tag', 'autoserve/node-http:test', `${repo}:test`]);
  d1 = await cli.push(`${repo}:test`);
  await cli.login(locked.host, USER, PASSWORD);
  for (const tag of ['test', 'other']) {
    await cli.run(['tag', 'autoserve/node-http:test', `${locked.host}/private/node-http:${tag}`]);
    await cli.push(`${locked.host}/private/node-http:${tag}`);
  }
  for (const c of await docker.listContainers({ all: true })) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
  await cli.run([
    'rmi',
    '-f',
    `${repo}:test`,
    `${locked.host}/private/node-http:test`,
    `${locked.host}/private/node-http:other`,
    'autoserve/node-http:test',
  ]);

  authDir = await mkdtemp(join(tmpdir(), 'autoserve-regauth-'));
  authFile = join(authDir, 'config.json');
  await writeRegistryAuth(authFile, { [locked.host]: { username: USER, password: PASSWORD } });
  db = await createTestDatabase(cluster, `autoserve_reg_${process.pid}_${Date.now().toString(36)}`);
  pool = await ownerPool(db);
  svc = await startScalerHere();
}, 300_000);

function startScalerHere(): Promise<RunningService> {
  return startControlScaler(
    db,
    controlEnv({
      owner,
      dockerHost,
      ports: [31500, 31599],
      extra: {
        SCALER_REGISTRY_AUTH_FILE: authFile,
        SCALER_IMAGE_PULL_TIMEOUT: '60s',
        // The operator allows this file's loopback registries (and the engine's own test images).
        SCALER_ALLOWED_IMAGES: 'autoserve/*,127.0.0.1:*',
      },
    }),
  );
}

afterAll(async () => {
  await svc?.stop();
  if (docker) await removeOwned(docker, owner);
  await pool?.end();
  if (db) await dropTestDatabase(cluster, db.name);
  await open?.stop();
  await locked?.stop();
  await cli?.close();
  if (authDir) await rm(authDir, { recursive: true, force: true });
  await run('bash', [`${REPO}/scripts/docker-engine.sh`, 'down'], {
    env: engineEnv,
    timeout: 60_000,
  });
  console.log(`registry timings (ms): ${JSON.stringify(timings)}`);
}, 120_000);

// Generous bounds: on a loaded 2-core machine vfs copies 100 MB per container; still bounded.
describe('images from a real registry on loopback', { timeout: 180_000 }, () => {
  it('first pull: one pull for all replicas, every instance pinned to the digest (API field, label, GetApp)', async () => {
    const t0 = Math.floor(Date.now() / 1000);
    const lookups = await tagLookups(open, 'autoserve/node-http', 'test');
    const started = Date.now();
    await register('first', `${repo}:test`, 2);
    await waitRunning('first', 90_000);
    timings.firstStartMs = Date.now() - started;
    const deploy = (await events('first', 'deployment')).find((e) => e.details.digest);
    expect(deploy?.details).toMatchObject({
      digest: d1,
      pulled: true,
      pull_policy: 'IfNotPresent',
    });
    timings.firstPullMs = deploy!.details.ms as number;
    // Two instances, one pull (single-flight): the engine and the registry agree.
    expect(await enginePulls(t0)).toHaveLength(1);
    expect(await tagLookups(open, 'autoserve/node-http', 'test')).toBe(lookups + 1);

    const got = await client().getApp({ name: 'first' });
    expect(got.app?.imageDigest).toBe(d1);
    expect(got.instances).toHaveLength(2);
    for (const i of got.instances) expect(i.imageDigest).toBe(d1);
    for (const c of await containerImages('first')) {
      expect(c).toMatchObject({ image: `${repo}@${d1}`, label: d1 });
    }
  });

  it('IfNotPresent with the image present: no pull, not even a registry request', async () => {
    const t0 = Math.floor(Date.now() / 1000);
    const before = await open.requests(/./);
    const started = Date.now();
    await register('warm', `${repo}:test`, 1);
    await waitRunning('warm');
    timings.warmStartMs = Date.now() - started;
    expect(await open.requests(/./)).toBe(before);
    expect(await enginePulls(t0)).toHaveLength(0);
    const deploy = (await events('warm', 'deployment')).find((e) => e.details.digest);
    expect(deploy?.details).toMatchObject({ digest: d1, pulled: false });
    timings.warmResolveMs = deploy!.details.ms as number;
  });

  it('a restarted Scaler adopts containers with the digest of their label', async () => {
    await svc.stop();
    await pool.query(`DELETE FROM instances WHERE app_name = 'warm'`);
    svc = await startScalerHere();
    await eventually(
      async () => (await rows('warm')).some((r) => r.status === 'running'),
      20_000,
      'warm adopted',
    );
    expect((await rows('warm')).map((r) => r.image_digest)).toEqual([d1]);
    const lifecycle = await events('warm', 'lifecycle');
    expect(lifecycle.some((e) => e.message.includes('adopted'))).toBe(true);
  });

  it('Always pulls at every rollout; a new digest is picked up by the next rollout, not by a scale-out', {
    timeout: 240_000,
  }, async () => {
    const lookups = await tagLookups(open, 'autoserve/node-http', 'test');
    await register('always', `${repo}:test`, 1, scaler.ImagePullPolicy.ALWAYS);
    await waitRunning('always');
    // Present, yet asked the registry.
    expect(await tagLookups(open, 'autoserve/node-http', 'test')).toBe(lookups + 1);
    expect((await rows('always')).map((r) => r.image_digest)).toEqual([d1]);

    await cli.variant(`${repo}:test`, `${repo}:test`, 'two');
    const d2 = await cli.push(`${repo}:test`);
    expect(d2).not.toBe(d1);

    await client().scaleApp({ name: 'always', replicas: 2 });
    await eventually(
      async () => (await rows('always')).filter(serving).length === 2,
      30_000,
      'scaled to 2',
    );
    expect((await rows('always')).map((r) => r.image_digest)).toEqual([d1, d1]);

    const updated = await client().updateApp({
      name: 'always',
      spec: {
        image: `${repo}:test`,
        pullPolicy: scaler.ImagePullPolicy.ALWAYS,
        env: { ROLL: '2' },
      },
    });
    await eventually(
      async () => {
        const r = await rows('always');
        return (
          (await appStatus('always')) === 'running' &&
          r.length === 2 &&
          r.every((x) => x.app_generation === '2')
        );
      },
      60_000,
      'always rolled to generation 2',
    );
    expect((await rows('always')).map((r) => r.image_digest)).toEqual([d2, d2]);
    for (const c of await containerImages('always')) expect(c.image).toBe(`${repo}@${d2}`);
    expect((await client().getApp({ name: 'always' })).app?.imageDigest).toBe(d2);
    expect(updated.app?.generation).toBe(2n);
  });

  it('Never with a missing image: the app errs naming the image and the policy, and nothing is pulled', async () => {
    const t0 = Math.floor(Date.now() / 1000);
    const image = `${open.host}/autoserve/absent:none`;
    await register('never', image, 1, scaler.ImagePullPolicy.NEVER);
    await eventually(async () => (await appStatus('never')) === 'error', 20_000, 'never in error');
    const [row] = await rows('never');
    expect(row?.last_error).toContain('pull policy is Never');
    const errs = await events('never', 'error');
    expect(errs.some((e) => e.details.reason === 'not-present' && e.details.image === image)).toBe(
      true,
    );
    expect(await open.requests(/autoserve\/absent/)).toBe(0);
    expect(await enginePulls(t0)).toHaveLength(0);
    await client().deleteApp({ name: 'never' });
  });

  it('basic auth: the operator credentials pull; wrong ones are unauthorized, named, and never shown', async () => {
    await register('private', `${locked.host}/private/node-http:test`, 1);
    await waitRunning('private');
    expect((await rows('private'))[0]?.image_digest).toMatch(/^sha256:/);

    await writeRegistryAuth(authFile, {
      [locked.host]: { username: USER, password: 'wrong-password' },
    });
    const image = `${locked.host}/private/node-http:other`;
    await register('denied', image, 1);
    await eventually(
      async () => (await appStatus('denied')) === 'error',
      20_000,
      'denied in error',
    );
    const errs = await events('denied', 'error');
    const pullErr = errs.find((e) => e.details.reason === 'unauthorized');
    expect(pullErr?.details.image).toBe(image);
    expect(pullErr?.message).toContain(image);
    // The app error event names the cause too.
    const lifecycle = await pool.query(
      `SELECT message FROM events WHERE app_name = 'denied' AND details->>'to' = 'error'`,
    );
    expect(lifecycle.rows[0]?.message ?? '').toContain('unauthorized');
    const all = await pool.query(`SELECT message, details::text AS d FROM events`);
    for (const e of all.rows) expect(`${e.message} ${e.d}`).not.toMatch(/wrong-password|pw-\d/);
    expect(
      JSON.stringify(await client().getApp({ name: 'denied' }), (_, v) =>
        typeof v === 'bigint' ? String(v) : v,
      ),
    ).not.toContain('wrong-password');
    await client().deleteApp({ name: 'denied' });
    await client().deleteApp({ name: 'private' });
  });

  it('a tag pushed to a new digest mid-rollout: every replica of the generation runs the first digest', {
    timeout: 300_000,
  }, async () => {
    await register('mid', `${repo}:test`, 3, scaler.ImagePullPolicy.ALWAYS);
    await waitRunning('mid', 120_000);
    const pinned = (await rows('mid'))[0]!.image_digest!;
    // Prepared before, so the push mid-rollout is quick.
    await cli.variant(`${repo}@${pinned}`, `${repo}:three`, 'three');
    await client().updateApp({
      name: 'mid',
      spec: {
        image: `${repo}:test`,
        pullPolicy: scaler.ImagePullPolicy.ALWAYS,
        env: { ROLL: 'mid' },
      },
    });
    await eventually(
      async () => (await rows('mid')).some((r) => r.app_generation === '2' && r.image_digest),
      30_000,
      'the first instance of generation 2',
    );
    const gen2 = (await rows('mid')).find((r) => r.app_generation === '2')!.image_digest!;
    // Moves the tag on the engine and in the registry while two replicas are still to come.
    await cli.run(['tag', `${repo}:three`, `${repo}:test`]);
    const d3 = await cli.push(`${repo}:test`);
    expect(d3).not.toBe(gen2);
    await eventually(
      async () => {
        const r = await rows('mid');
        return (
          (await appStatus('mid')) === 'running' &&
          r.length === 3 &&
          r.every((x) => x.app_generation === '2')
        );
      },
      150_000,
      'mid rolled to generation 2',
    );
    const r = await rows('mid');
    expect(r.map((x) => x.image_digest)).toEqual([gen2, gen2, gen2]);
    // The same bits in every replica (the image the engine ran, whatever each was asked for).
    const made = await containerImages('mid');
    expect(new Set(made.map((c) => c.id)).size).toBe(1);
    for (const c of made) expect(c).toMatchObject({ image: `${repo}@${gen2}`, label: gen2 });
  });

  it('registry stopped mid-rollout: the old generation keeps serving, pulls back off, the rollout ends once it is back', async () => {
    await register('outage', `${repo}:test`, 2, scaler.ImagePullPolicy.ALWAYS);
    await waitRunning('outage');
    const old = (await rows('outage')).map((r) => r.id);
    await open.stop();
    let restarted = false;
    try {
      await client().updateApp({
        name: 'outage',
        spec: {
          image: `${repo}:test`,
          pullPolicy: scaler.ImagePullPolicy.ALWAYS,
          env: { ROLL: 'outage' },
        },
      });
      let minServing = Number.POSITIVE_INFINITY;
      await eventually(
        async () => {
          minServing = Math.min(minServing, (await rows('outage')).filter(serving).length);
          return (
            (await events('outage', 'warning')).filter((e) => e.details.backoff_ms).length >= 3
          );
        },
        60_000,
        'three back-off events',
      );
      expect(await appStatus('outage')).toBe('error');
      expect(minServing).toBeGreaterThanOrEqual(2);
      const serve = (await rows('outage')).filter(serving).map((r) => r.id);
      expect(serve).toEqual(old);
      const errs = (await events('outage', 'error')).filter((e) => e.details.reason);
      expect(errs[0]?.details).toMatchObject({ reason: 'unreachable', image: `${repo}:test` });
      // Exponential: each wait is longer than the one before, and the attempts are that far apart.
      const backoffs = (await events('outage', 'warning')).map(
        (e) => e.details.backoff_ms as number,
      );
      expect(backoffs.slice(0, 3)).toEqual([2000, 4000, 8000]);
      const at = errs.map((e) => e.timestamp.getTime());
      expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(4000 - 500);
      await open.start();
      restarted = true;
      await eventually(
        async () => {
          const r = await rows('outage');
          return (
            (await appStatus('outage')) === 'running' &&
            r.length === 2 &&
            r.every((x) => x.app_generation === '2')
          );
        },
        90_000,
        'outage rolled once the registry is back',
      );
    } finally {
      if (!restarted) await open.start();
    }
  }, 240_000);
});
