/**
 * The local Postgres primary + replica (scripts/pg.sh) and the one database
 * `npm start` and the demo run on: created when missing, migrated, and
 * replayed on the replica before a service reads it.
 */
import { spawn } from 'node:child_process';
import { runMigrations } from '@autoserve/runtime';
import pg from 'pg';
import { REPO } from './repo.js';

export interface PgCluster {
  /** Superuser URLs of the `postgres` database on each server. */
  primaryUrl: string;
  replicaUrl: string;
}

/**
 * `scripts/pg.sh up` (initdb, pgvector, replica by pg_basebackup on first
 * use); its progress lines go to `log`. Honours PG_DIR / PG_PRIMARY_PORT /
 * PG_REPLICA_PORT from `env`.
 */
export function pgUp(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<PgCluster> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [`${REPO}/scripts/pg.sh`, 'up'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderrTail = (stderrTail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log(line);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const urls = Object.fromEntries(
        stdout
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
      );
      if (code === 0 && urls.PG_PRIMARY_URL && urls.PG_REPLICA_URL) {
        resolve({ primaryUrl: urls.PG_PRIMARY_URL, replicaUrl: urls.PG_REPLICA_URL });
      } else {
        reject(new Error(`scripts/pg.sh up failed (exit ${code}):\n${stderrTail}`));
      }
    });
  });
}

/** Replaces the database (and optionally the user) of a postgres URL. */
export function withDb(url: string, database: string, user?: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) u.username = user;
  return u.toString();
}

async function query<R extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: url, application_name: 'autoserve-start' });
  await client.connect();
  try {
    return await client.query<R>(sql, params);
  } finally {
    await client.end();
  }
}

/** Database names we create: CREATE DATABASE takes no bind parameters. */
const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Creates `name` on the primary unless it exists; true when it was created. */
export async function ensureDatabase(superUrl: string, name: string): Promise<boolean> {
  if (!DB_NAME.test(name)) {
    throw new Error(`database name "${name}": use lowercase letters, digits and _ (max 63)`);
  }
  const found = await query(superUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (found.rowCount) return false;
  try {
    await query(superUrl, `CREATE DATABASE ${name}`);
  } catch (err) {
    // Two starters racing: the other one created it.
    if ((err as { code?: string }).code !== '42P04') throw err;
  }
  return true;
}

/** Drops a database created by ensureDatabase (tests use throwaway names). */
export async function dropDatabase(superUrl: string, name: string): Promise<void> {
  if (!DB_NAME.test(name)) throw new Error(`bad database name ${name}`);
  await query(superUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * Applies pending migrations on the primary, then waits until the replica has
 * replayed them: the Context service reads the replica and must find the
 * tables there.
 */
export async function migrate(
  ownerUrl: string,
  ownerReplicaUrl: string,
  timeoutMs = 30_000,
): Promise<{ applied: string[]; version: number }> {
  const result = await runMigrations(ownerUrl);
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await query<{ v: number }>(
        ownerReplicaUrl,
        'SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations',
      );
      if (r.rows[0]?.v === result.to) break;
    } catch {
      // The database may not exist on the replica yet.
    }
    if (Date.now() > until) throw new Error('the replica did not replay the migrations in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { applied: result.applied, version: result.to };
}
