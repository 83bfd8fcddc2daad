import { runMigrations } from '@autoserve/runtime';
import pg from 'pg';
import { REPO, startCluster, withDb } from '../../test/support/cluster.js';
import { waitForReplay } from '../../test/support/replay.js';

/** Superuser URLs of the benchmark database on the primary and the replica. */
export interface BenchDb {
  primaryUrl: string;
  replicaUrl: string;
  /** autoserve_context on the replica / primary. */
  contextReplicaUrl: string;
  contextPrimaryUrl: string;
}

/**
 * BENCH_PRIMARY_URL / BENCH_REPLICA_URL (superuser) when set, else the local
 * harness (scripts/pg.sh up); the database `name` is created and migrated if
 * missing, and the replica is waited for.
 */
export async function benchDatabase(name: string): Promise<BenchDb> {
  let primary = process.env.BENCH_PRIMARY_URL;
  let replica = process.env.BENCH_REPLICA_URL;
  if (!primary || !replica) {
    const c = await startCluster({
      dir: process.env.PG_DIR ?? `${REPO}/.data/pg`,
      primaryPort: Number(process.env.PG_PRIMARY_PORT ?? 55432),
      replicaPort: Number(process.env.PG_REPLICA_PORT ?? 55433),
    });
    primary = c.primaryUrl;
    replica = c.replicaUrl;
  }
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
  const admin = new pg.Client({ connectionString: primary });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const db: BenchDb = {
    primaryUrl: withDb(primary, name),
    replicaUrl: withDb(replica, name),
    contextReplicaUrl: withDb(replica, name, 'autoserve_context'),
    contextPrimaryUrl: withDb(primary, name, 'autoserve_context'),
  };
  await runMigrations(db.primaryUrl);
  await waitForReplica(db);
  return db;
}

/** Waits until the replica has replayed everything the primary has written so far. */
export function waitForReplica(db: BenchDb, timeoutMs = 600_000): Promise<void> {
  return waitForReplay(db.primaryUrl, db.replicaUrl, { timeoutMs, pollMs: 200 });
}
