/**
 * The compose stack for tests: its own Docker engine (DOCKER_DIR
 * .data/docker-compose, so tests that restart the shared engine cannot take
 * it down; images stay on disk between runs), fresh secrets, loopback ports
 * from COMPOSE_TEST_PORT_BASE, and a project name of its own.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { generateSecrets, parseDotEnv } from '../../scripts/lib/compose/secrets.js';
import { REPO } from './cluster.js';

const run = promisify(execFile);
export const COMPOSE_DOCKER_DIR = `${REPO}/.data/docker-compose`;

/** Starts (or reuses) the compose tests' engine: overlay2 where the kernel allows, else vfs. */
export async function composeEngine(): Promise<string> {
  for (const driver of [process.env.COMPOSE_TEST_STORAGE_DRIVER ?? 'overlay2', 'vfs']) {
    try {
      const { stdout } = await run('bash', [`${REPO}/scripts/docker-engine.sh`, 'up'], {
        env: { ...process.env, DOCKER_DIR: COMPOSE_DOCKER_DIR, DOCKER_STORAGE_DRIVER: driver },
        timeout: 180_000,
      });
      const host = /^DOCKER_HOST=(\S+)/m.exec(stdout)?.[1];
      if (host) return host;
    } catch (err) {
      if (driver === 'vfs') throw err;
      // overlay2 refused (no kernel support): a fresh data root for vfs.
      await run('bash', [`${REPO}/scripts/docker-engine.sh`, 'down', '--purge'], {
        env: { ...process.env, DOCKER_DIR: COMPOSE_DOCKER_DIR },
      }).catch(() => {});
    }
  }
  throw new Error('compose test engine did not start');
}

export async function stopComposeEngine(): Promise<void> {
  await run('bash', [`${REPO}/scripts/docker-engine.sh`, 'down'], {
    env: { ...process.env, DOCKER_DIR: COMPOSE_DOCKER_DIR },
    timeout: 120_000,
  });
}

/** The environment of one compose test stack. */
export function composeTestEnv(dockerHost: string): NodeJS.ProcessEnv {
  const base = Number(process.env.COMPOSE_TEST_PORT_BASE ?? 56400);
  const names = ['PG_PRIMARY', 'PG_REPLICA', 'CONTEXT_GRPC', 'SCALER_GRPC', 'CONTEXT_METRICS'];
  const ports = Object.fromEntries(
    [...names, 'SCALER_METRICS'].map((n, i) => [`COMPOSE_${n}_PORT`, String(base + i)]),
  );
  return {
    ...process.env,
    ...parseDotEnv(generateSecrets()),
    ...ports,
    DOCKER_HOST: dockerHost,
    COMPOSE_PROJECT_NAME: `autoserve-test-${process.pid}`,
    COMPOSE_SCALER_RUNTIME: 'docker',
  };
}

/** Runs a repo command (npx tsx ...) with `env`; resolves with its output, rejects with it. */
export function runTool(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${REPO}/node_modules/.bin/tsx`, args, { cwd: REPO, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(`tsx ${args.join(' ')} exited ${code}\n${stdout}\n${stderr.slice(-4000)}`),
        );
    });
  });
}
