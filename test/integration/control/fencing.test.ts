import type pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../../scaler-service/src/control/clock.js';
import { type Leader, startLeaderElection } from '../../../scaler-service/src/control/leader.js';
import { createControlShell } from '../../../scaler-service/src/control/loop.js';
import { createPgControlStore } from '../../../scaler-service/src/control/pg-store.js';
import { LeadershipLostError } from '../../../scaler-service/src/control/store.js';
import { createFakeRuntime } from '../../../scaler-service/src/control/testing/fake-runtime.js';
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDb,
  testPool,
} from '../../support/database.js';
import { eventually } from '../../support/eventually.js';
import { insertApp, ownerPool } from './support.js';

const cluster = inject('cluster');
const log = pino({ level: 'silent' });
let db: TestDb;
let owner: pg.Pool;
let scaler: pg.Pool;
const leaders: Leader[] = [];

/** A Scaler's leader election, as the control loop starts it (the Scaler's own role). */
async function elect(): Promise<Leader> {
  const l = startLeaderElection({ url: db.scalerUrl, log, retryMs: 100 });
  leaders.push(l);
  return l;
}

/** The leadership a deposed leader still believes in: it has not noticed the loss yet. */
function frozen(l: Leader) {
  const term = l.term();
  if (term === undefined) throw new Error('not leading');
  return { isLeader: () => true, term: () => term };
}

const desiredOf = async (name: string) =>
  (await owner.query('SELECT desired_replicas FROM applications WHERE name = $1', [name])).rows[0]
    .desired_replicas as number;

beforeAll(async () => {
  db = await createTestDatabase(
    cluster,
    `autoserve_ctl_fence_${process.pid}_${Date.now().toString(36)}`,
  );
  owner = await ownerPool(db);
  scaler = testPool(db.scalerUrl, 4);
});

// Every elector stops with its test, so none of them wins the lock in the next one.
afterEach(async () => {
  for (const l of leaders.splice(0)) await l.stop();
});

afterAll(async () => {
  await scaler?.end();
  await owner?.end();
  if (db) await dropTestDatabase(cluster, db.name);
});

describe('fencing of the control loop acting transactions', () => {
  it('a Scaler stopped while its election is still connecting leaves no session holding the lock', async () => {
    const a = startLeaderElection({ url: db.scalerUrl, log, retryMs: 100 });
    await a.stop();
    expect(a.isLeader()).toBe(false);
    // Nothing of a's is left in the database: another Scaler wins at once.
    const b = await elect();
    await eventually(() => b.isLeader(), 3000, 'b to lead after a stopped');
    const sessions = await owner.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'autoserve-scaler-leader'`,
    );
    expect(sessions.rows[0].n).toBe(1);
  });

  it('a leader whose lock was taken over has its acting transactions refused', async () => {
    await insertApp(owner, { name: 'fenced', desired: 1 });
    const a = await elect();
    await eventually(() => a.isLeader(), 5000, 'a to lead');
    const stale = frozen(a);
    const storeA = createPgControlStore({
      pool: scaler,
      leadership: stale,
      statementTimeoutMs: 5000,
    });
    // While it leads, it acts.
    await storeA.act((tx) => tx.updateApp('fenced', { desiredReplicas: 2 }));
    expect(await desiredOf('fenced')).toBe(2);

    // Its leader session dies; another Scaler takes the lock and starts a new term.
    await owner.query('SELECT pg_terminate_backend($1)', [a.sessionPid()]);
    // Cut off (a partition, a stalled process): it does not win the lock back.
    await a.stop();
    const b = await elect();
    await eventually(() => b.isLeader(), 5000, 'b to lead');
    expect(BigInt(b.term()!)).toBeGreaterThan(BigInt(stale.term()));

    await expect(
      storeA.act((tx) => tx.updateApp('fenced', { desiredReplicas: 7 })),
    ).rejects.toBeInstanceOf(LeadershipLostError);
    expect(await desiredOf('fenced')).toBe(2);

    // A whole control pass of the deposed leader creates no instance row and no container.
    const runtime = createFakeRuntime();
    const { pass } = createControlShell({
      store: storeA,
      runtime,
      leadership: stale,
      clock: systemClock,
      ports: { allocate: async () => 31_950 },
      config: { evaluationIntervalMs: 1000, outcomeTimeoutMs: 60_000, stopGraceMs: 0, drainMs: 0 },
      log,
    });
    await pass.run();
    expect(runtime.calls).not.toContain('create');
    const rows = await owner.query(`SELECT id FROM instances WHERE app_name = 'fenced'`);
    expect(rows.rows).toEqual([]);

    // The new leader acts.
    const storeB = createPgControlStore({ pool: scaler, leadership: b, statementTimeoutMs: 5000 });
    await storeB.act((tx) => tx.updateApp('fenced', { desiredReplicas: 3 }));
    expect(await desiredOf('fenced')).toBe(3);
  });

  it('a takeover waits for the acting transaction in flight, then sees what it wrote', async () => {
    await insertApp(owner, { name: 'inflight', desired: 1 });
    const a = await elect();
    await eventually(() => a.isLeader(), 5000, 'a to lead');
    const storeA = createPgControlStore({
      pool: scaler,
      leadership: frozen(a),
      statementTimeoutMs: 5000,
    });
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    const acting = storeA.act(async (tx) => {
      await tx.updateApp('inflight', { desiredReplicas: 4 });
      entered();
      await held;
    });
    await inside;
    await owner.query('SELECT pg_terminate_backend($1)', [a.sessionPid()]);
    // Cut off (a partition, a stalled process): it does not win the lock back.
    await a.stop();
    const b = await elect();
    // b wins the lock but cannot start its term while a's act holds the term row.
    await new Promise((r) => setTimeout(r, 500));
    expect(b.isLeader()).toBe(false);
    release();
    await acting;
    await eventually(() => b.isLeader(), 5000, 'b to lead');
    expect(await desiredOf('inflight')).toBe(4);
  });
});
