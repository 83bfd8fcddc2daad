import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type AllowLists, checkImageAllowedForRuntime } from './allow-list.js';
import type { ContainerHardening } from './container-hardening.js';
import { createDockerRuntime } from './docker.js';
import { createProcessRuntime } from './process.js';
import { createRegistryAuth, type RegistryAuthSource } from './registry-auth.js';
import type { Runtime } from './types.js';

export interface RuntimeConfig {
  /**
   * docker, process, or auto: docker when an engine answers; processes only
   * when the operator enabled them (processEnabled), else docker anyway (the
   * loop reports the engine as down until it answers).
   */
  kind: 'docker' | 'process' | 'auto';
  /** SCALER_PROCESS_RUNTIME (or SCALER_RUNTIME=process): children may run on the host. */
  processEnabled: boolean;
  /** uid/gid the process runtime's children run as (never the Scaler's own, unless configured). */
  processUser: { uid: number; gid: number };
  allow: AllowLists;
  hardening: ContainerHardening;
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
 * The configured runtime. `auto` asks the Docker engine once; it falls back
 * to child processes only when the operator enabled the process runtime, since
 * those run host executables (a laptop without Docker sets
 * SCALER_PROCESS_RUNTIME=true, as `npm start` does).
 */
export async function selectRuntime(config: RuntimeConfig, log: Logger): Promise<Runtime> {
  const processRuntime = () =>
    createProcessRuntime({
      dir: config.processDir ?? join(tmpdir(), 'autoserve-processes', config.owner),
      user: config.processUser,
      allow: config.allow,
    });
  if (config.kind === 'process') return processRuntime();
  const docker = createDockerRuntime({
    ...(config.dockerHost ? { dockerHost: config.dockerHost } : {}),
    owner: config.owner,
    allow: config.allow,
    hardening: config.hardening,
    images: {
      auth: createRegistryAuth(config.images.auth),
      timeoutMs: config.images.pullTimeoutMs,
      log: log.child({ component: 'images' }),
      // The operator's allow-list is checked before any tag resolution or pull.
      allowImage: (image) => checkImageAllowedForRuntime(config.allow, image),
    },
  });
  if (config.kind === 'docker') return docker;
  try {
    await docker.ping();
    log.info({ dockerHost: config.dockerHost ?? 'unix:///var/run/docker.sock' }, 'runtime: docker');
    return docker;
  } catch (err) {
    if (config.processEnabled) {
      log.warn(
        { err: (err as Error).message },
        'runtime: no docker engine answers, using processes',
      );
      return processRuntime();
    }
    log.warn(
      { err: (err as Error).message },
      'runtime: no docker engine answers and the process runtime is not enabled (SCALER_PROCESS_RUNTIME): staying on docker',
    );
    return docker;
  }
}
