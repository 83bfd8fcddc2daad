import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createTestDatabase,
  dropTestDatabase,
  queryOnce,
  type TestDb,
} from '../support/database.js';

// Issue 9, item 1: a SECURITY DEFINER function whose search_path does not end with pg_temp
// reads the CALLER's temporary tables before pg_catalog. This test plays the attacker: the
// scaler role plants temp copies of the catalogs it reads, with a fake ON DELETE CASCADE
// pointing at a role (pg_authid) and a table it has no rights on, and calls every definer
// function. Its own database: a successful attack would drop partitions.

const cluster = inject('cluster');
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const name = `autoserve_definer_${suffix}`;
const canaryRole = `autoserve_canary_${suffix}`;
let db: TestDb;

beforeAll(async () => {
  db = await createTestDatabase(cluster, name);
  await queryOnce(db.ownerUrl, `CREATE ROLE ${canaryRole} NOLOGIN`);
  // A schema the scaler has no USAGE on, so it can neither read nor write the canary.
  await queryOnce(
    db.ownerUrl,
    `CREATE SCHEMA canary;
     CREATE TABLE canary.victim (name text NOT NULL);
     INSERT INTO canary.victim VALUES ('${canaryRole}'), ('other');`,
  );
});

afterAll(async () => {
  await dropTestDatabase(cluster, name);
  await queryOnce(cluster.primaryUrl, `DROP ROLE IF EXISTS ${canaryRole}`);
});

/** Plants the fake catalogs in the session of `client` (needs TEMP on the database). */
async function plant(client: pg.Client): Promise<void> {
  // Copies of the real catalogs, so a hijacked function still finds the real partitions,
  // and one lie: the canary schema is called "public".
  for (const cat of ['pg_class', 'pg_inherits', 'pg_namespace']) {
    await client.query(`CREATE TEMP TABLE ${cat} AS SELECT * FROM pg_catalog.${cat}`);
  }
  await client.query(
    `CREATE TEMP TABLE pg_attribute AS
       SELECT attrelid, attname, attnum, attisdropped, attgenerated FROM pg_catalog.pg_attribute`,
  );
  await client.query(`UPDATE pg_temp.pg_namespace SET nspname = 'public' WHERE nspname = 'canary'`);
  await client.query(
    `CREATE TEMP TABLE pg_constraint AS
       SELECT * FROM pg_catalog.pg_constraint WHERE false`,
  );
  // "events cascades to canary.victim (name = app_name) and to pg_authid (rolname = app_name)".
  // pg_catalog.pg_class/pg_attribute are readable by everyone, so the attacker can look the
  // numbers up; it cannot read canary.victim itself.
  await client.query(
    `INSERT INTO pg_temp.pg_constraint (oid, conname, connamespace, contype, condeferrable,
        condeferred, convalidated, conrelid, contypid, conindid, conparentid, confrelid,
        confupdtype, confdeltype, confmatchtype, conislocal, coninhcount, connoinherit,
        conkey, confkey)
     SELECT 0, 'fake', 2200, 'f', false, false, true, v.oid, 0, 0, 0, 'public.events'::regclass,
            'a', 'c', 's', true, 0, true,
            ARRAY[(SELECT attnum FROM pg_catalog.pg_attribute WHERE attrelid = v.oid AND attname = v.col)],
            ARRAY[(SELECT attnum FROM pg_catalog.pg_attribute
                    WHERE attrelid = 'public.events'::regclass AND attname = 'app_name')]
       FROM (SELECT c.oid, CASE c.relname WHEN 'victim' THEN 'name' ELSE 'rolname' END AS col
               FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE (n.nspname, c.relname) IN (('canary', 'victim'), ('pg_catalog', 'pg_authid'))) v`,
  );
}

async function canariesAlive(): Promise<{ role: boolean; rows: number }> {
  const role = await queryOnce(db.ownerUrl, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [
    canaryRole,
  ]);
  const rows = await queryOnce<{ n: number }>(
    db.ownerUrl,
    'SELECT count(*)::int AS n FROM canary.victim',
  );
  return { role: role.rowCount === 1, rows: rows.rows[0]!.n };
}

describe('SECURITY DEFINER functions and the caller temp schema', () => {
  it('every definer function pins a search_path that ends with pg_temp', async () => {
    const res = await queryOnce<{ proname: string; config: string[] | null }>(
      db.ownerUrl,
      `SELECT p.proname, p.proconfig AS config FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND n.nspname = 'public'`,
    );
    expect(res.rows.map((r) => r.proname).sort()).toEqual([
      'autoserve_drop_partitions_before',
      'autoserve_ensure_partitions',
      'autoserve_refresh_success_rates',
    ]);
    for (const r of res.rows) {
      const sp = (r.config ?? []).find((c) => c.startsWith('search_path='));
      expect(sp, r.proname).toMatch(/^search_path=pg_catalog, public, pg_temp$/);
    }
  });

  it('the scaler role has no TEMP on the database', async () => {
    const err = await queryOnce(db.scalerUrl, 'CREATE TEMP TABLE t (x int)').catch((e) => e);
    expect((err as { code?: string }).code).toBe('42501');
  });

  it('even with TEMP, planted catalogs change nothing: the canary role and table survive', async () => {
    // Model an attacker who does have TEMP (an operator re-granted it, or another database).
    await queryOnce(db.ownerUrl, `GRANT TEMP ON DATABASE ${name} TO autoserve_scaler`);
    const client = new pg.Client({ connectionString: db.scalerUrl });
    await client.connect();
    try {
      // A row that the fake cascade would match in both targets.
      await client.query(
        "INSERT INTO events (event_type, app_name, message) VALUES ('security', $1, 'bait')",
        [canaryRole],
      );
      await plant(client);
      await client.query('SELECT autoserve_ensure_partitions(2)');
      await client.query('SELECT autoserve_refresh_success_rates()');
      const dropped = await client.query<{ n: number }>(
        "SELECT autoserve_drop_partitions_before('events', now() + interval '10 years') AS n",
      );
      // The real work was done: the current months' events partitions are gone.
      expect(dropped.rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await client.end();
      await queryOnce(db.ownerUrl, `REVOKE TEMP ON DATABASE ${name} FROM autoserve_scaler`);
    }
    expect(await canariesAlive()).toEqual({ role: true, rows: 2 });
  });
});
