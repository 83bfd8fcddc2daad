import Docker from 'dockerode';
import { type AllowLists, checkImageAllowedForRuntime } from './allow-list.js';
import { type ContainerHardening, hardenedOptions } from './container-hardening.js';
import { dockerError, isNotFound } from './docker-errors.js';
import { type CpuSample, cpuPercentOf, memoryOf } from './docker-stats.js';
import { createImagePuller, type ImagePullerDeps } from './image-pull.js';
import { createRegistryAuth } from './registry-auth.js';
import {
  generationOf,
  type InstanceSpec,
  LABEL_APP,
  LABEL_GENERATION,
  LABEL_IMAGE_DIGEST,
  LABEL_OWNER,
  LABEL_PORT,
  LABEL_REPLICA,
  type Runtime,
  type RuntimeInstance,
  type Usage,
} from './types.js';

/** Where the engine listens: DOCKER_HOST (unix:// or tcp://) or the default socket. */
export function dockerOptions(dockerHost: string | undefined): Docker.DockerOptions {
  if (!dockerHost) return { socketPath: '/var/run/docker.sock' };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

/** Splits a multiplexed docker log stream (8-byte frame headers) into text. */
function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return i === 0 ? buf.toString('utf8') : Buffer.concat(out).toString('utf8');
}

/**
 * Instances as Docker containers through the Engine API: host networking on
 * the loopback port the Scaler assigned (PORT env), the spec's command, env
 * and CPU/memory limits, and labels naming the app, replica index, port and
 * owner so a restarted Scaler finds (adopts) exactly its own containers.
 */
export function createDockerRuntime(opts: {
  dockerHost?: string;
  owner: string;
  allow?: AllowLists;
  hardening?: ContainerHardening;
  /** Pull settings (image-pull.ts); default: anonymous pulls, 5 min timeout. */
  images?: Omit<ImagePullerDeps, 'docker'>;
}): Runtime {
  const docker = new Docker({ ...dockerOptions(opts.dockerHost), timeout: 30_000 });
  const images = createImagePuller({
    docker,
    auth: createRegistryAuth({ inline: new Map(), file: undefined }),
    timeoutMs: 300_000,
    ...opts.images,
  });
  const lastCpu = new Map<string, CpuSample>();
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw dockerError(err, what);
    }
  };
  return {
    kind: 'docker',
    ping: () => call('ping', async () => void (await docker.ping())),
    resolveImage: (image, policy) => call('pull', () => images.resolve(image, policy)),
    create: (spec: InstanceSpec) =>
      call('create', async () => {
        // The allow-list names images as specs do, not their pinned digests.
        if (opts.allow) checkImageAllowedForRuntime(opts.allow, spec.imageName ?? spec.image);
        if (spec.pullPolicy) await images.ensure(spec.image, spec.pullPolicy);
        const hardened = opts.hardening ? hardenedOptions(spec, opts.hardening) : undefined;
        const cmd = [...spec.command, ...spec.args];
        const container = await docker.createContainer({
          name: spec.name,
          Image: spec.image,
          ...(spec.command.length ? { Entrypoint: spec.command, Cmd: spec.args } : {}),
          ...(!spec.command.length && spec.args.length ? { Cmd: cmd } : {}),
          Env: Object.entries({ ...spec.env, PORT: String(spec.port), HOST: '127.0.0.1' }).map(
            ([k, v]) => `${k}=${v}`,
          ),
          Labels: {
            ...spec.labels,
            [LABEL_APP]: spec.appName,
            [LABEL_REPLICA]: String(spec.replicaIndex),
            [LABEL_GENERATION]: spec.generation,
            [LABEL_PORT]: String(spec.port),
            [LABEL_OWNER]: opts.owner,
            ...(spec.imageDigest ? { [LABEL_IMAGE_DIGEST]: spec.imageDigest } : {}),
          },
          ...(hardened?.User ? { User: hardened.User } : {}),
          HostConfig: {
            NetworkMode: 'host',
            ...(spec.cpuLimit > 0 ? { NanoCpus: Math.round(spec.cpuLimit * 1e9) } : {}),
            ...(spec.memoryLimitBytes > 0 ? { Memory: spec.memoryLimitBytes } : {}),
            ...hardened?.HostConfig,
          },
        });
        try {
          await container.start();
        } catch (err) {
          await container.remove({ force: true }).catch(() => {});
          throw err;
        }
        return container.id;
      }),
    list: () =>
      call('list', async () => {
        const rows = await docker.listContainers({
          all: true,
          filters: { label: [`${LABEL_OWNER}=${opts.owner}`] },
        });
        return rows.map(
          (c): RuntimeInstance => ({
            id: c.Id,
            name: (c.Names[0] ?? '').replace(/^\//, ''),
            appName: c.Labels[LABEL_APP] ?? '',
            replicaIndex: Number(c.Labels[LABEL_REPLICA] ?? -1),
            generation: generationOf(c.Labels[LABEL_GENERATION]),
            port: Number(c.Labels[LABEL_PORT] ?? 0),
            state:
              c.State === 'running' ? 'running' : c.State === 'created' ? 'starting' : 'exited',
            exitCode: exitCodeOf(c.Status),
            startedAt: undefined,
            imageDigest: c.Labels[LABEL_IMAGE_DIGEST],
          }),
        );
      }),
    stop: (id, graceMs) =>
      call('stop', async () => {
        try {
          await docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(graceMs / 1000)) });
        } catch (err) {
          // 304: already stopped; 404: gone.
          const code = (err as { statusCode?: number }).statusCode;
          if (code !== 304 && code !== 404) throw err;
        }
      }),
    remove: (id) =>
      call('remove', async () => {
        lastCpu.delete(id);
        try {
          await docker.getContainer(id).remove({ force: true });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }),
    stats: (id) =>
      call('stats', async (): Promise<Usage | undefined> => {
        const s = (await docker.getContainer(id).stats({ stream: false, 'one-shot': true } as {
          stream: false;
        })) as unknown as DockerStats;
        if (!s?.cpu_stats?.cpu_usage) return undefined;
        const cpu = cpuPercentOf(s, lastCpu.get(id));
        lastCpu.set(id, cpu.sample);
        return { cpuPercent: cpu.percent, ...memoryOf(s) };
      }),
    logs: (id, lines) =>
      call('logs', async () => {
        const buf = (await docker
          .getContainer(id)
          .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
        return demux(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
      }),
    close: async () => {},
  };
}

/** "Exited (137) 3 seconds ago" -> 137. */
function exitCodeOf(status: string): number | undefined {
  const m = /Exited \((-?\d+)\)/.exec(status);
  return m ? Number(m[1]) : undefined;
}

export type DockerStats = Parameters<typeof cpuPercentOf>[0];
