import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './cluster.js';

const run = promisify(execFile);

/** A docker-registry on a loopback port (scripts/registry.sh), and what it was asked. */
export interface TestRegistry {
  /** "127.0.0.1:<port>" */
  host: string;
  dir: string;
  /** Starts it again (same storage): after stop(), for outage tests. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Requests in its access log whose line matches `pattern` (e.g. a manifest GET). */
  requests(pattern: RegExp): Promise<number>;
}

/**
 * Starts a registry with scripts/registry.sh (which installs docker-registry
 * when missing); `auth` turns on htpasswd basic auth. Data lives under
 * <repo>/.data/registry-<port> and is purged first, so each run starts empty.
 */
export async function startRegistry(opts: {
  port: number;
  auth?: { user: string; password: string };
}): Promise<TestRegistry> {
  const dir = join(REPO, '.data', `registry-${opts.port}`);
  const env = {
    ...process.env,
    REGISTRY_PORT: String(opts.port),
    REGISTRY_DIR: dir,
    ...(opts.auth ? { REGISTRY_USER: opts.auth.user, REGISTRY_PASSWORD: opts.auth.password } : {}),
  };
  const script = join(REPO, 'scripts/registry.sh');
  await run('bash', [script, 'down', '--purge'], { env, timeout: 30_000 });
  const start = async () => void (await run('bash', [script, 'up'], { env, timeout: 180_000 }));
  await start();
  return {
    host: `127.0.0.1:${opts.port}`,
    dir,
    start,
    stop: async () => void (await run('bash', [script, 'down'], { env, timeout: 30_000 })),
    requests: async (pattern) => {
      const log = await readFile(join(dir, 'registry.log'), 'utf8').catch(() => '');
      // Access-log lines only (the registry also logs each request as a structured line).
      return log.split('\n').filter((l) => /^127\.0\.0\.1 - /.test(l) && pattern.test(l)).length;
    },
  };
}

/** The Debian docker CLI against one engine, with a private client config (docker login). */
export function dockerCli(dockerHost: string) {
  let configDir: string | undefined;
  const cli = async (args: string[], input?: string): Promise<string> => {
    configDir ??= await mkdtemp(join(tmpdir(), 'autoserve-docker-cli-'));
    const child = run('/usr/bin/docker', args, {
      env: { ...process.env, DOCKER_HOST: dockerHost, DOCKER_CONFIG: configDir },
      timeout: 120_000,
      maxBuffer: 16 << 20,
    });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    return (await child).stdout;
  };
  return {
    run: cli,
    /** Pushes a tag; returns the manifest digest the registry stored. */
    async push(ref: string): Promise<string> {
      const out = await cli(['push', ref]);
      const m = /digest: (sha256:[0-9a-f]{64})/.exec(out);
      if (!m) throw new Error(`docker push ${ref} printed no digest: ${out}`);
      return m[1]!;
    },
    async login(host: string, user: string, password: string): Promise<void> {
      await cli(['login', '--username', user, '--password-stdin', host], password);
    },
    /** A new image from `from` with one more ENV (new config, so a new digest), tagged `tag`. */
    async variant(from: string, tag: string, release: string): Promise<void> {
      const id = (await cli(['create', from])).trim();
      try {
        await cli(['commit', '--change', `ENV RELEASE=${release}`, id, tag]);
      } finally {
        await cli(['rm', '-f', id]);
      }
    },
    async close(): Promise<void> {
      if (configDir) await rm(configDir, { recursive: true, force: true });
    },
  };
}

/** Writes a registry credentials file in docker's config.json format (the Scaler re-reads it). */
export async function writeRegistryAuth(
  file: string,
  auths: Record<string, { username: string; password: string }>,
): Promise<void> {
  await writeFile(file, JSON.stringify({ auths }), { mode: 0o600 });
}
