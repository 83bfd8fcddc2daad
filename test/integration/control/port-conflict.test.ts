import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService } from '@autoserve/runtime';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createProcessRuntime } from '../../../scaler-service/src/runtime/process.js';
import { freePorts, REPO } from '../../support/cluster.js';
import { createTestDatabase, dropTestDatabase, type TestDb } from '../../support/database.js';
import { eventually } from '../../support/services.js';
import { controlEnv, insertApp, ownerPool, startControlScaler } from './support.js';

const cluster = inject('cluster');
const dir = mkdtempSync(join(tmpdir(), 'autoserve-ports-'));
let db: TestDb;
let pool: pg.Pool;
let scaler: RunningService | undefined;

beforeAll(async () => {
  db = await createTestDatabase(
    cluster,
    `autoserve_ports_${process.pid}_${Date.now().toString(36)}`,
  );
  pool = await ownerPool(db);
});

afterAll(async () => {
  await scaler?.stop();
  const rt = createProcessRuntime({ dir });
  for (const i of await rt.list()) await rt.remove(i.id);
  rmSync(dir, { recursive: true, force: true });
  await pool?.end();
  if (db) await dropTestDatabase(cluster, db.name);
});

describe('fixed-port conflicts', () => {
  it('are reported on the second app (event + error status) without a unique violation', async () => {
    const [port] = await freePorts(1);
    const logBefore = readFileSync(`${cluster.dir}/primary.log`, 'utf8').length;
    const command = [process.execPath, `${REPO}/scripts/test-app/server.js`];
    await insertApp(pool, { name: 'first', desired: 1, port: port!, command });
    await insertApp(pool, { name: 'second', desired: 1, port: port!, command });
    scaler = await startControlScaler(
      db,
      controlEnv({
        owner: `ports-${process.pid}`,
        runtime: 'process',
        ports: [31600, 31650],
        extra: { SCALER_PROCESS_DIR: dir },
      }),
    );
    const statusOf = async () =>
      Object.fromEntries(
        (
          await pool.query<{ name: string; status: string }>(
            'SELECT name, status FROM applications',
          )
        ).rows.map((r) => [r.name, r.status]),
      );
    await eventually(
      async () => {
        const s = await statusOf();
        return [s.first, s.second].sort().join() === 'error,running';
      },
      30_000,
      'one app running, the other in error',
    );
    const s = await statusOf();
    const [winner, loser] = s.first === 'running' ? ['first', 'second'] : ['second', 'first'];
    const { rows } = await pool.query<{ message: string; details: { failure?: string } }>(
      `SELECT message, details FROM events WHERE app_name = $1 AND event_type = 'error'`,
      [loser],
    );
    const event = rows.find((r) => r.details.failure === 'port_conflict');
    expect(event?.message).toContain(`fixed port ${port} is already in use by instance`);
    expect(event?.message).toContain(`of app ${winner}`);
    // Several more loop ticks retrying the loser: still no unique violation.
    await new Promise((r) => setTimeout(r, 2000));
    const log = readFileSync(`${cluster.dir}/primary.log`, 'utf8').slice(logBefore);
    const violations = log
      .split('\n')
      .filter((l) => l.includes(db.name) && l.includes('instances_live_port_key'));
    expect(violations).toEqual([]);
  });
});
