import { runMigrations } from '@autoserve/runtime';
import pg from 'pg';
import { REPO, startCluster, withDb } from '../../test/support/cluster.js';

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
export async function waitForReplica(db: BenchDb, timeoutMs = 600_000): Promise<void> {
  const p = new pg.Client({ connectionString: db.primaryUrl });
  const r = new pg.Client({ connectionString: db.replicaUrl });
  await Promise.all([p.connect(), r.connect()]);
  try {
    const lsn = (await p.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
    const until = Date.now() + timeoutMs;
    for (;;) {
      const ok = await r.query<{ ok: boolean }>(
        'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
        [lsn],
      );
      if (ok.rows[0]!.ok) return;
      if (Date.now() > until) throw new Error('replica did not catch up');
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    await Promise.all([p.end(), r.end()]);
  }
}
