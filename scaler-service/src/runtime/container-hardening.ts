import { type Env, readBool, readInt, readNumber, readOptional } from '@autoserve/runtime';
import type Docker from 'dockerode';
import type { InstanceSpec } from './types.js';

/** Defaults and switches every container gets (SCALER_CONTAINER_*). */
export interface ContainerHardening {
  /** Applied when the spec's limit is 0: bytes, cores, processes. */
  defaultMemoryBytes: number;
  defaultCpus: number;
  pidsLimit: number;
  /** "uid:gid" (or a user name the image knows); empty: the image's own user. */
  user: string;
  readOnlyRootfs: boolean;
}

const MIB = 1024 * 1024;

/** SCALER_CONTAINER_MEMORY_MB, _CPUS, _PIDS, _USER, _READ_ONLY. */
export function loadContainerHardening(env: Env): ContainerHardening {
  return {
    defaultMemoryBytes: readInt(env, 'SCALER_CONTAINER_MEMORY_MB', 512, 6, 1_048_576) * MIB,
    defaultCpus: readNumber(env, 'SCALER_CONTAINER_CPUS', 1, 0.01, 64),
    pidsLimit: readInt(env, 'SCALER_CONTAINER_PIDS', 256, 8, 1_000_000),
    user: readOptional(env, 'SCALER_CONTAINER_USER') ?? '65534:65534',
    readOnlyRootfs: readBool(env, 'SCALER_CONTAINER_READ_ONLY', false),
  };
}

/**
 * The container options that limit what an app can do to its host: limits
 * (the spec's, else the defaults: a spec of 0 no longer means unlimited), no
 * privilege gain through setuid binaries, every capability dropped except
 * binding low ports, a non-root user, optionally a read-only root filesystem
 * with a private /tmp. Networking stays host (the Scaler assigns loopback ports).
 */
export function hardenedOptions(
  spec: InstanceSpec,
  h: ContainerHardening,
): Pick<Docker.ContainerCreateOptions, 'User'> & { HostConfig: Docker.HostConfig } {
  const cpus = spec.cpuLimit > 0 ? spec.cpuLimit : h.defaultCpus;
  return {
    ...(h.user ? { User: h.user } : {}),
    HostConfig: {
      NanoCpus: Math.round(cpus * 1e9),
      Memory: spec.memoryLimitBytes > 0 ? spec.memoryLimitBytes : h.defaultMemoryBytes,
      PidsLimit: h.pidsLimit,
      SecurityOpt: ['no-new-privileges:true'],
      CapDrop: ['ALL'],
      CapAdd: ['NET_BIND_SERVICE'],
      ...(h.readOnlyRootfs
        ? { ReadonlyRootfs: true, Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' } }
        : {}),
    },
  };
}
