import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Repository root. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A Postgres primary + streaming replica started by scripts/pg.sh. */
export interface Cluster {
  dir: string;
  primaryPort: number;
  replicaPort: number;
  /** Superuser URLs of the `postgres` database. */
  primaryUrl: string;
  replicaUrl: string;
}

function envFor(c: Pick<Cluster, 'dir' | 'primaryPort' | 'replicaPort'>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PG_DIR: c.dir,
    PG_PRIMARY_PORT: String(c.primaryPort),
    PG_REPLICA_PORT: String(c.replicaPort),
  };
}

/** Runs one pg.sh subcommand against a cluster. */
export async function pgctl(
  c: Pick<Cluster, 'dir' | 'primaryPort' | 'replicaPort'>,
  ...args: string[]
): Promise<string> {
  const { stdout } = await run('bash', [`${REPO}/scripts/pg.sh`, ...args], {
    env: envFor(c),
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Starts (or reuses) a cluster; harmless when it already runs. */
export async function startCluster(opts: {
  dir: string;
  primaryPort: number;
  replicaPort: number;
}): Promise<Cluster> {
  const out = await pgctl(opts, 'up');
  const urls = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  if (!urls.PG_PRIMARY_URL || !urls.PG_REPLICA_URL)
    throw new Error(`pg.sh up printed no URLs:\n${out}`);
  return { ...opts, primaryUrl: urls.PG_PRIMARY_URL, replicaUrl: urls.PG_REPLICA_URL };
}

/** Replaces the database name (and optionally the user) of a postgres URL. */
export function withDb(url: string, database: string, user?: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) u.username = user;
  return u.toString();
}

/** Two currently free loopback ports (so concurrent test runs never share a private cluster's ports). */
export async function freePorts(count: number): Promise<number[]> {
  const { createServer } = await import('node:net');
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const s = createServer();
      return new Promise<import('node:net').Server>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(s));
      });
    }),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * A private primary + replica for tests that stop or kill Postgres, on free
 * ports in its own directory; `down --purge` it when done.
 */
export async function startPrivateCluster(tag: string): Promise<Cluster> {
  const [primaryPort, replicaPort] = await freePorts(2);
  return startCluster({
    dir: `${REPO}/.data/pg-${tag}-${process.pid}`,
    primaryPort: primaryPort!,
    replicaPort: replicaPort!,
  });
}
