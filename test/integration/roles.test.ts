import { describe, expect, inject, it } from 'vitest';
import { queryOnce } from '../support/database.js';

const db = inject('db');

async function sqlstate(url: string, sql: string): Promise<string | undefined> {
  try {
    await queryOnce(url, sql);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('database roles', () => {
  it('the context role can read every table on the replica and the primary', async () => {
    for (const url of [db.contextReplicaUrl, db.contextPrimaryUrl]) {
      for (const table of [
        'applications',
        'events',
        'metrics',
        'remediation_requests',
        'incident_embeddings',
        'workflow_success_rates',
      ]) {
        await expect(queryOnce(url, `SELECT count(*) FROM ${table}`)).resolves.toBeDefined();
      }
    }
  });

  it('the context role cannot INSERT, UPDATE, DELETE or TRUNCATE, even on the primary', async () => {
    const url = db.contextPrimaryUrl;
    expect(
      await sqlstate(
        url,
        "INSERT INTO applications (name, spec) VALUES ('ctx-cannot-write', '{}')",
      ),
    ).toBe('42501');
    expect(await sqlstate(url, "UPDATE applications SET status = 'error'")).toBe('42501');
    expect(await sqlstate(url, 'DELETE FROM events')).toBe('42501');
    expect(await sqlstate(url, 'TRUNCATE metrics')).toBe('42501');
    expect(await sqlstate(url, 'CREATE TABLE ctx_table (id int)')).toBe('42501');
  });

  it('the scaler role can write', async () => {
    await queryOnce(
      db.scalerUrl,
      "INSERT INTO applications (name, spec) VALUES ('scaler-can-write', '{}')",
    );
    await queryOnce(db.scalerUrl, "DELETE FROM applications WHERE name = 'scaler-can-write'");
  });
});
