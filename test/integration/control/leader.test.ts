import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createProcessRuntime } from '../../../scaler-service/src/runtime/process.js';
import { REPO } from '../../support/cluster.js';
import { createTestDatabase, dropTestDatabase, type TestDb } from '../../support/database.js';
import { eventually, serviceEnv } from '../../support/services.js';
import { controlEnv, insertApp, ownerPool } from './support.js';

const cluster = inject('cluster');
const dir = mkdtempSync(join(tmpdir(), 'autoserve-leader-'));
let db: TestDb;
let pool: pg.Pool;
const procs: ChildProcess[] = [];

function startScalerProcess(name: string) {
  const env = {
    ...process.env,
    ...serviceEnv(db),
    ...controlEnv({
      owner: `leader-${process.pid}`,
      runtime: 'process',
      ports: [31400, 31499],
      extra: { SCALER_PROCESS_DIR: dir, LOG_LEVEL: 'info' },
    }),
  };
  const child = spawn(process.execPath, [`${REPO}/scaler-service/dist/main.js`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { name, child, out: () => out, leader: () => out.includes('"msg":"became leader"') };
}

beforeAll(async () => {
  db = await createTestDatabase(
    cluster,
    `autoserve_ctl_leader_${process.pid}_${Date.now().toString(36)}`,
  );
  pool = await ownerPool(db);
});

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  const rt = createProcessRuntime({ dir });
  for (const i of await rt.list()) await rt.remove(i.id);
  rmSync(dir, { recursive: true, force: true });
  await pool?.end();
  if (db) await dropTestDatabase(cluster, db.name);
});

describe('leader election with two Scaler processes', () => {
  it('only one acts; when it dies the other takes over within seconds and adopts its instances', async () => {
    const a = startScalerProcess('a');
    await eventually(() => a.leader(), 15_000, 'a to lead');
    const b = startScalerProcess('b');
    await eventually(() => b.out().includes('serving gRPC'), 15_000, 'b to serve');
    await insertApp(pool, {
      name: 'proc',
      desired: 2,
      command: [process.execPath, `${REPO}/scripts/test-app/server.js`],
    });
    await eventually(
      async () =>
        (await pool.query(`SELECT status FROM applications WHERE name = 'proc'`)).rows[0]
          ?.status === 'running',
      20_000,
      'proc running under a',
    );
    expect(b.leader()).toBe(false);
    const before = await pool.query<{ container_id: string }>(
      `SELECT container_id FROM instances WHERE app_name = 'proc' ORDER BY container_id`,
    );
    const acting = await pool.query<{ node_id: string }>(
      `SELECT DISTINCT node_id FROM events WHERE source IN ('reconciler', 'health', 'autoscaler')`,
    );
    expect(acting.rows.map((r) => r.node_id)).toEqual([
      expect.stringMatching(new RegExp(`:${a.child.pid}$`)),
    ]);

    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await once(a.child, 'exit');
    await eventually(() => b.leader(), 10_000, 'b to take over');
    const failoverMs = Date.now() - killedAt;

    // b adopts a's instances: same processes, no duplicates, still healthy.
    await pool.query(`UPDATE applications SET desired_replicas = 3 WHERE name = 'proc'`);
    await eventually(
      async () =>
        (
          await pool.query(
            `SELECT count(*)::int AS n FROM instances WHERE app_name = 'proc' AND health_status = 'healthy'`,
          )
        ).rows[0].n === 3,
      15_000,
      'b to scale proc to 3',
    );
    const after = await pool.query<{ container_id: string }>(
      `SELECT container_id FROM instances WHERE app_name = 'proc' ORDER BY container_id`,
    );
    for (const row of before.rows)
      expect(after.rows.map((r) => r.container_id)).toContain(row.container_id);
    const running = (await createProcessRuntime({ dir }).list()).filter(
      (i) => i.state === 'running',
    );
    // Each carries the spec generation it was made from, for a later adoption.
    expect(running.map((i) => i.generation)).toEqual(['1', '1', '1']);
    const late = await pool.query<{ node_id: string }>(
      `SELECT DISTINCT node_id FROM events WHERE source IN ('reconciler', 'health', 'autoscaler')
         AND timestamp > $1`,
      [new Date(killedAt)],
    );
    expect(late.rows.map((r) => r.node_id)).toEqual([
      expect.stringMatching(new RegExp(`:${b.child.pid}$`)),
    ]);
    console.log(JSON.stringify({ failoverMs }));
    expect(failoverMs).toBeLessThan(5000);
    b.child.kill('SIGTERM');
    await once(b.child, 'exit');
  });
});
