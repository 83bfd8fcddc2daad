import { describe, expect, inject, it } from 'vitest';
import { queryOnce } from '../support/database.js';
import { eventually } from '../support/services.js';

const db = inject('db');

describe('streaming replica', () => {
  it('is a hot standby that rejects writes', async () => {
    const r = await queryOnce<{ r: boolean }>(
      db.contextReplicaUrl,
      'SELECT pg_is_in_recovery() AS r',
    );
    expect(r.rows[0]!.r).toBe(true);
    await expect(
      queryOnce(
        db.ownerReplicaUrl,
        "INSERT INTO applications (name, spec) VALUES ('on-replica', '{}')",
      ),
    ).rejects.toMatchObject({ code: '25006' });
  });

  it('shows a row written on the primary within seconds', async () => {
    const name = `repl-${Date.now().toString(36)}`;
    await queryOnce(db.scalerUrl, 'INSERT INTO applications (name, spec) VALUES ($1, $2)', [
      name,
      { image: 'x' },
    ]);
    await eventually(
      async () =>
        (
          await queryOnce(db.contextReplicaUrl, 'SELECT 1 FROM applications WHERE name = $1', [
            name,
          ])
        ).rowCount === 1,
      10_000,
      'the row on the replica',
    );
    await queryOnce(db.scalerUrl, 'DELETE FROM applications WHERE name = $1', [name]);
  });
});
