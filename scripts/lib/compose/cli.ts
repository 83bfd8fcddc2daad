/**
 * Runs docker-compose for the stack: Debian's docker-compose 1.29 where it
 * is installed, else `docker compose` (v2). Always the host-network override
 * (the mode that runs on machines without bridge networks, and in CI), plus
 * the TLS override when asked.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { REPO } from '../repo.js';

export interface ComposeOptions {
  /** Environment compose sees (secrets, COMPOSE_* ports, DOCKER_HOST, COMPOSE_PROJECT_NAME). */
  env: NodeJS.ProcessEnv;
  tls?: boolean;
}

/** The compose program and its leading arguments, or undefined when none is installed. */
export function findCompose(env: NodeJS.ProcessEnv): string[] | undefined {
  for (const bin of ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose']) {
    if (existsSync(bin)) return [bin];
  }
  const v2 = spawnSync('docker', ['compose', 'version'], { env, stdio: 'ignore' });
  return v2.status === 0 ? ['docker', 'compose'] : undefined;
}

/** `-f` arguments: the base file, the host-network override, and the TLS override. */
export function composeFiles(tls = false): string[] {
  const files = ['docker-compose.yml', 'docker-compose.host.yml'];
  if (tls) files.push('docker-compose.tls.yml');
  return files.flatMap((f) => ['-f', `${REPO}/${f}`]);
}

function command(opts: ComposeOptions, args: string[]): [string, string[]] {
  const compose = findCompose(opts.env);
  if (!compose) throw new Error('docker-compose is missing: run scripts/install-deps.sh (as root)');
  return [compose[0]!, [...compose.slice(1), ...composeFiles(opts.tls), ...args]];
}

/** Runs compose with inherited stdio; rejects on a non-zero exit. */
export function compose(opts: ComposeOptions, args: string[]): Promise<void> {
  const [bin, argv] = command(opts, args);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { cwd: REPO, env: opts.env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${bin} ${args.join(' ')} exited ${code}`)),
    );
  });
}

/** Runs compose and returns its stdout. */
export function composeOutput(opts: ComposeOptions, args: string[]): string {
  const [bin, argv] = command(opts, args);
  return execFileSync(bin, argv, { cwd: REPO, env: opts.env, encoding: 'utf8' });
}
