/**
 * The demo's image comes from a registry, as a user's would: a loopback
 * docker-registry (scripts/registry.sh) gets the test image pushed, the
 * engine forgets the registry's tag, and the app is registered by the
 * registry name, so the Scaler pulls it, pins its digest and starts every
 * replica from it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO } from '../lib/repo.js';

const run = promisify(execFile);

/** The private engine of scripts/docker-engine.sh, started when needed: its DOCKER_HOST. */
export async function ensureDockerEngine(): Promise<string> {
  const { stdout } = await run('bash', [`${REPO}/scripts/docker-engine.sh`, 'up'], {
    timeout: 180_000,
  });
  const host = /^DOCKER_HOST=(\S+)/m.exec(stdout)?.[1];
  if (!host) throw new Error('scripts/docker-engine.sh up printed no DOCKER_HOST');
  return host;
}

export interface DemoRegistry {
  /** What the app is registered with: 127.0.0.1:<port>/autoserve/node-http:demo */
  image: string;
  /** The manifest digest the registry stored for it. */
  digest: string;
  stop(): Promise<void>;
}

/** Starts the registry on `port`, builds the test image if needed, pushes it. */
export async function publishDemoImage(opts: {
  dockerHost: string;
  port: number;
}): Promise<DemoRegistry> {
  const env = { ...process.env, DOCKER_HOST: opts.dockerHost, REGISTRY_PORT: String(opts.port) };
  const sh = (script: string, ...args: string[]) =>
    run('bash', [`${REPO}/scripts/${script}`, ...args], { env, timeout: 180_000 });
  const docker = (...args: string[]) =>
    run('/usr/bin/docker', args, { env, timeout: 120_000, maxBuffer: 16 << 20 });
  await sh('registry.sh', 'up');
  await sh('test-images.sh');
  const image = `127.0.0.1:${opts.port}/autoserve/node-http:demo`;
  await docker('tag', 'autoserve/node-http:test', image);
  const { stdout } = await docker('push', image);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(stdout)?.[1] ?? '?';
  // Only the registry has it under this name now: registering it makes the Scaler pull.
  await docker('rmi', image);
  return { image, digest, stop: async () => void (await sh('registry.sh', 'down')) };
}
