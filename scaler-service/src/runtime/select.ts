import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createDockerRuntime } from './docker.js';
import { createProcessRuntime } from './process.js';
import { createRegistryAuth, type RegistryAuthSource } from './registry-auth.js';
import type { Runtime } from './types.js';

export interface RuntimeConfig {
  /** docker, process, or auto (docker when an engine answers). */
  kind: 'docker' | 'process' | 'auto';
  /** DOCKER_HOST; unset = /var/run/docker.sock. */
  dockerHost: string | undefined;
  /** Owner label: a Scaler only adopts and removes instances with its own. */
  owner: string;
  /** Process runtime state directory. */
  processDir: string | undefined;
  /** Image pulls of the docker runtime. */
  images: {
    /** A pull not done by then fails with reason timeout. */
    pullTimeoutMs: number;
    /** Registry credentials per host (operator configuration, never a request). */
    auth: RegistryAuthSource;
  };
}

/**
 * The configured runtime. `auto` asks the Docker engine once and falls back
 * to child processes when nothing answers, so the same Scaler runs on a
 * laptop without Docker.
 */
export async function selectRuntime(config: RuntimeConfig, log: Logger): Promise<Runtime> {
  const processRuntime = () =>
    createProcessRuntime({
      dir: config.processDir ?? join(tmpdir(), 'autoserve-processes', config.owner),
    });
  if (config.kind === 'process') return processRuntime();
  const docker = createDockerRuntime({
    ...(config.dockerHost ? { dockerHost: config.dockerHost } : {}),
    owner: config.owner,
    images: {
      auth: createRegistryAuth(config.images.auth),
      timeoutMs: config.images.pullTimeoutMs,
      log: log.child({ component: 'images' }),
      // Hook for the operator's image allow-list (security issue): pass its
      // check as `allowImage`; the puller calls it before any resolution or pull.
    },
  });
  if (config.kind === 'docker') return docker;
  try {
    await docker.ping();
    log.info({ dockerHost: config.dockerHost ?? 'unix:///var/run/docker.sock' }, 'runtime: docker');
    return docker;
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'runtime: no docker engine answers, using processes');
    return processRuntime();
  }
}
