/**
 * Finds a Docker engine that answers, so `npm start` can pick the docker
 * runtime when there is one and the process runtime otherwise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { REPO } from './repo.js';

/** GET /_ping on a unix socket or tcp host:port; true on "OK". */
function ping(dockerHost: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let target: { socketPath: string } | { host: string; port: number };
    if (dockerHost.startsWith('unix://')) {
      const socketPath = dockerHost.slice('unix://'.length);
      if (!existsSync(socketPath)) return resolve(false);
      target = { socketPath };
    } else if (dockerHost.startsWith('tcp://')) {
      const u = new URL(dockerHost.replace(/^tcp:/, 'http:'));
      target = { host: u.hostname, port: Number(u.port || 2375) };
    } else {
      return resolve(false);
    }
    const req = request({ ...target, path: '/_ping', timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** DOCKER_HOST of scripts/docker-engine.sh's engine (it shortens long socket paths). */
function privateEngine(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const out = execFileSync('bash', [`${REPO}/scripts/docker-engine.sh`, 'env'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /^DOCKER_HOST=(\S+)/m.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The DOCKER_HOST of the first engine that answers: $DOCKER_HOST, the system
 * socket, then the private engine of scripts/docker-engine.sh (tests start it
 * under .data/docker). Undefined when none answers.
 */
export async function findDockerEngine(
  env: NodeJS.ProcessEnv,
  timeoutMs = 1000,
): Promise<string | undefined> {
  const candidates = [env.DOCKER_HOST, 'unix:///var/run/docker.sock', privateEngine(env)].filter(
    (c): c is string => Boolean(c),
  );
  for (const host of [...new Set(candidates)]) {
    if (await ping(host, timeoutMs)) return host;
  }
  return undefined;
}
