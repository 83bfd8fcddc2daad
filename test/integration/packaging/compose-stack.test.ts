import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../../support/cluster.js';
import {
  composeEngine,
  composeTestEnv,
  runTool,
  stopComposeEngine,
} from '../../support/compose-stack.js';

const run = promisify(execFile);
const cluster = inject('cluster');
// A cold build (debootstrap, both images) takes minutes; cached images make `up` ~30 s.
const COLD_BUILD_MS = 45 * 60_000;
// A mix small enough for a busy 2-core CI machine, with deadlines that measure the stack, not the queue.
const SMALL_MIX = [
  '--ingest-streams',
  '1',
  '--searchers',
  '2',
  '--history',
  '1',
  '--batch',
  '200',
  '--deadline-ms',
  '15000',
];

async function scalar(url: string, sql: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return String(Object.values((await c.query(sql)).rows[0] as object)[0]);
  } finally {
    await c.end();
  }
}

/**
 * The whole stack from docker-compose.yml + docker-compose.host.yml on its own
 * engine: built (or reused), up, checked from outside, loaded, faulted, and
 * removed without a trace.
 */
describe('compose stack (host networking)', () => {
  let env: NodeJS.ProcessEnv;
  let up: string;
  const docker = (...args: string[]) => run('docker', args, { env }).then((r) => r.stdout.trim());
  const project = () => env.COMPOSE_PROJECT_NAME!;
  const port = (name: string) => env[`COMPOSE_${name}_PORT`]!;
  const tmp = mkdtempSync(`${tmpdir()}/autoserve-compose-`);

  beforeAll(async () => {
    env = composeTestEnv(await composeEngine());
    up = (await runTool(['scripts/compose.ts', 'up'], env, COLD_BUILD_MS)).stdout;
  }, COLD_BUILD_MS + 120_000);

  afterAll(async () => {
    if (env) {
      await runTool(['scripts/compose.ts', 'down', '-v'], env, 120_000).catch(() => {});
      await stopComposeEngine().catch(() => {});
    }
    rmSync(tmp, { recursive: true, force: true });
  }, 240_000);

  it('prints both endpoints and a token per service, and creates no Docker network', async () => {
    expect(up).toContain(`Context service  grpc http://127.0.0.1:${port('CONTEXT_GRPC')}`);
    expect(up).toContain(`Scaler service   grpc http://127.0.0.1:${port('SCALER_GRPC')}`);
    const contextToken = env.CONTEXT_AUTH_TOKENS!.split(':')[1]!;
    const scalerToken = env.SCALER_AUTH_TOKENS!.split(':')[1]!;
    expect(up).toContain(contextToken);
    expect(up).toContain(scalerToken);
    const drivers = (await docker('network', 'ls', '--format', '{{.Driver}}')).split('\n');
    expect(drivers.filter((d) => d !== 'host' && d !== 'null')).toEqual([]);
  });

  it('runs every long-lived container as a non-root user, healthy, with a restart policy', {
    timeout: 180_000,
  }, async () => {
    const ids = (
      await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project()}`)
    )
      .split('\n')
      .filter(Boolean);
    expect(ids).toHaveLength(4);
    // Docker's own health check runs every 5 s (a fresh `node` each time, slow on a starved
    // machine): give it rounds after `up` saw SERVING.
    const until = Date.now() + 150_000;
    while (Date.now() < until) {
      const states = await docker('inspect', '-f', '{{.State.Health.Status}}', ...ids);
      if (states.split('\n').every((h) => h === 'healthy')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const id of ids) {
      const [user, health, policy, mode] = (
        await docker(
          'inspect',
          '-f',
          '{{.Config.User}}|{{.State.Health.Status}}|{{.HostConfig.RestartPolicy.Name}}|{{.HostConfig.NetworkMode}}',
          id,
        )
      ).split('|');
      expect(['node', 'postgres']).toContain(user);
      expect(health).toBe('healthy');
      expect(policy).toBe('unless-stopped');
      expect(mode).toBe('host');
    }
  });

  it('answers health and reflection on both services', async () => {
    const buf = `${REPO}/node_modules/.bin/buf`;
    for (const [p, service] of [
      [port('CONTEXT_GRPC'), 'autoserve.context.v1.ContextService'],
      [port('SCALER_GRPC'), 'autoserve.scaler.v1.ScalerService'],
    ] as const) {
      const url = `http://127.0.0.1:${p}`;
      const health = await run(buf, [
        'curl',
        '--protocol',
        'grpc',
        '--http2-prior-knowledge',
        `${url}/grpc.health.v1.Health/Check`,
      ]);
      expect(health.stdout).toContain('SERVING');
      const list = await run(buf, [
        'curl',
        '--protocol',
        'grpc',
        '--http2-prior-knowledge',
        '--list-services',
        url,
      ]);
      expect(list.stdout).toContain(service);
      expect(list.stdout).toContain('grpc.health.v1.Health');
    }
  });

  it('runs the same pgvector version as the local harness, on a streaming replica', async () => {
    const primary = `postgres://postgres:${env.POSTGRES_PASSWORD}@127.0.0.1:${port('PG_PRIMARY')}/autoserve`;
    const replica = `postgres://postgres:${env.POSTGRES_PASSWORD}@127.0.0.1:${port('PG_REPLICA')}/autoserve`;
    const harness = await scalar(
      cluster.primaryUrl,
      "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'",
    );
    expect(
      await scalar(primary, "SELECT extversion FROM pg_extension WHERE extname = 'vector'"),
    ).toBe(harness);
    expect(await scalar(replica, 'SELECT pg_is_in_recovery()')).toBe('true');
    expect(
      await scalar(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"),
    ).toBe('1');
  });

  it('round-trips a write to a replica read and serves a short mixed load with zero errors', async () => {
    const out = `${tmp}/load.json`;
    await runTool(
      [
        'bench/run.ts',
        'load',
        '--target',
        'compose',
        '--seconds',
        '6',
        '--incidents',
        '60',
        ...SMALL_MIX,
        '--out',
        out,
      ],
      env,
      180_000,
    );
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.write_to_replica_read_ms).toBeLessThan(30_000);
    expect(r.failed_calls, JSON.stringify(r.rpcs)).toBe(0);
    for (const rpc of [
      'StreamMetrics',
      'SearchSimilarIncidents',
      'ListRemediationHistory',
      'GetAppMetrics',
    ]) {
      expect(r.rpcs[rpc]?.ok, rpc).toBeGreaterThan(0);
    }
    expect(r.ingest_samples_per_s).toBeGreaterThan(0);
    expect(r.replica_lag.samples).toBeGreaterThan(0);
  }, 240_000);

  it('keeps Context answering through a replica restart, and a killed Scaler comes back', async () => {
    const out = `${tmp}/faults.json`;
    await runTool(
      [
        'bench/run.ts',
        'load',
        '--target',
        'compose',
        '--seconds',
        '18',
        '--incidents',
        '60',
        ...SMALL_MIX,
        '--faults',
        '--out',
        out,
      ],
      env,
      240_000,
    );
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.faults).toHaveLength(2);
    for (const f of r.faults) expect(f.recovered_after_s, f.fault).not.toBeNull();
    expect(r.faults[1].detail).toMatch(/RestartCount [1-9]/);
    // Context read through the replica restart (from the primary meanwhile): searches kept succeeding.
    const search = r.rpcs.SearchSimilarIncidents;
    expect(search.ok).toBeGreaterThan(0);
    expect(r.failed_calls).toBeLessThan(
      Object.values(r.rpcs as Record<string, { calls: number }>).reduce((s, f) => s + f.calls, 0) *
        0.2,
    );
  }, 300_000);

  it('down -v leaves no container and no volume behind', async () => {
    await runTool(['scripts/compose.ts', 'down', '-v'], env, 120_000);
    const label = `label=com.docker.compose.project=${project()}`;
    expect(await docker('ps', '-aq', '--filter', label)).toBe('');
    expect(await docker('volume', 'ls', '-q', '--filter', label)).toBe('');
  }, 180_000);
});
