import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { RunningService } from '@autoserve/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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
  it('docker-compose.yml validates offline with docker-compose config', async () => {
    const bin = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find(existsSync);
    expect(bin, 'docker-compose is missing: run scripts/install-deps.sh').toBeDefined();
    const { stdout } = await run(bin!, ['-f', 'docker-compose.yml', 'config'], { cwd: REPO });
    for (const service of [
      'postgres-primary',
      'postgres-replica',
      'migrate',
      'scaler',
      'context',
    ]) {
      expect(stdout).toContain(`  ${service}:`);
    }
    expect(stdout).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(stdout).toContain('condition: service_completed_successfully');
    const { stdout: services } = await run(
      bin!,
      ['-f', 'docker-compose.yml', 'config', '--services'],
      {
        cwd: REPO,
      },
    );
    expect(services.trim().split('\n').sort()).toEqual(
      ['context', 'migrate', 'postgres-primary', 'postgres-replica', 'scaler'].sort(),
    );
  });

  it('the service Dockerfile is multi-stage Node 24 slim, non-root, health-checked, and copies what exists', () => {
    const ins = instructions(`${REPO}/Dockerfile`);
    for (const i of ins) expect(KNOWN.has(i.op), i.op).toBe(true);
    const froms = ins.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f.args).toMatch(/^node:24-slim\b/);
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
    expect(ins[0]).toEqual({ op: 'FROM', args: 'postgres:15-bookworm' });
    expect(ins.some((i) => i.op === 'RUN' && i.args.includes('postgresql-15-pgvector'))).toBe(true);
    for (const script of ['primary-init.sh', 'replica-entrypoint.sh']) {
      await run('bash', ['-n', `${REPO}/deploy/postgres/${script}`]);
      expect(ins.some((i) => i.op === 'COPY' && i.args.startsWith(script))).toBe(true);
    }
    expect(readFileSync(`${REPO}/deploy/postgres/replica-entrypoint.sh`, 'utf8')).toMatch(
      /pg_basebackup .*-R -X stream/,
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
