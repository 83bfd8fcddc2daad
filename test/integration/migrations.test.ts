import { readdirSync } from 'node:fs';
import { MIGRATIONS_DIR, runMigrations } from '@autoserve/runtime';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, dropTestDatabase, queryOnce } from '../support/database.js';

const cluster = inject('cluster');
const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));

describe('migrations', () => {
  const name = `autoserve_mig_${process.pid}_${Date.now().toString(36)}`;
  afterAll(() => dropTestDatabase(cluster, name));

  it('apply each file exactly once when four processes migrate at the same time', async () => {
    const db = await createTestDatabase(cluster, name, false);
    const results = await Promise.all([1, 2, 3, 4].map(() => runMigrations(db.ownerUrl)));
    const applied = results.flatMap((r) => r.applied).sort();
    expect(applied).toEqual([...files].sort());
    expect(new Set(results.map((r) => r.to)).size).toBe(1);
    const rows = await queryOnce<{ n: number }>(
      db.ownerUrl,
      'SELECT count(*)::int AS n FROM schema_migrations WHERE version > 0',
    );
    expect(rows.rows[0]!.n).toBe(files.length);
    // A later run finds nothing to do and validates the checksums.
    const again = await runMigrations(db.ownerUrl);
    expect(again.applied).toEqual([]);
  });

  it('refuse to run when an applied file was edited (checksum)', async () => {
    const db = { ownerUrl: `postgres://postgres@127.0.0.1:${cluster.primaryPort}/${name}` };
    await queryOnce(db.ownerUrl, "UPDATE schema_migrations SET md5 = 'tampered' WHERE version = 1");
    await expect(runMigrations(db.ownerUrl)).rejects.toThrow(/checksum|md5/i);
  });

  it('create partitions for the current and coming months', async () => {
    const db = inject('db');
    const res = await queryOnce<{ relname: string }>(
      db.ownerUrl,
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'remediation_requests'::regclass`,
    );
    const names = res.rows.map((r) => r.relname);
    const now = new Date();
    for (const offset of [0, 1, 2]) {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
      const suffix = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
      expect(names.some((n) => n.endsWith(suffix))).toBe(true);
    }
  });

  it('partition maintenance is idempotent when run concurrently', async () => {
    const db = inject('db');
    const created = await Promise.all(
      [1, 2, 3].map(() =>
        queryOnce<{ n: number }>(db.scalerUrl, 'SELECT autoserve_ensure_partitions(4) AS n').then(
          (r) => r.rows[0]!.n,
        ),
      ),
    );
    const again = await queryOnce<{ n: number }>(
      db.scalerUrl,
      'SELECT autoserve_ensure_partitions(4) AS n',
    );
    expect(again.rows[0]!.n).toBe(0);
    expect(created.filter((n) => n > 0).length).toBeLessThanOrEqual(1);
  });
});
