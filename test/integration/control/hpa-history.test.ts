import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { evaluateAndAct, explainApp } from '../../../scaler-service/src/control/autoscaler.js';
import { createDetailsMemo } from '../../../scaler-service/src/control/details-memo.js';
import { evaluateApps } from '../../../scaler-service/src/control/evaluate-apps.js';
import { maybeGetApp } from '../../../scaler-service/src/queries/apps.js';
import { listInstancesOfApps } from '../../../scaler-service/src/queries/instances.js';
import { createTestDatabase, dropTestDatabase, type TestDb } from '../../support/database.js';
import { insertApp, ownerPool } from './support.js';

/**
 * The control loop's autoscaling history against the HPA's (issue 14,
 * classes 5 and 6), through evaluateAndAct on a real database with a fake
 * clock: the first recommendation stays in the stabilization window, and a
 * gap as long as the window does not reseed it.
 */
const cluster = inject('cluster');
let db: TestDb;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase(
    cluster,
    `autoserve_hpa_hist_${process.pid}_${Date.now().toString(36)}`,
  );
  pool = await ownerPool(db);
});

afterAll(async () => {
  await pool?.end();
  if (db) await dropTestDatabase(cluster, db.name);
});

const S = 1000;

let nextPort = 40000;

async function appWithPods(name: string, pods: number, policy: Record<string, unknown>) {
  await insertApp(pool, {
    name,
    desired: pods,
    mode: 'auto',
    policy: {
      min_replicas: 1,
      max_replicas: 10,
      max_cpu_percent: 50,
      cooldown_seconds: 0,
      hpa_compatible: true,
      ...policy,
    },
  });
  for (let i = 0; i < pods; i++) {
    await pool.query(
      `INSERT INTO instances (app_name, container_id, container_name, replica_index, ip, port,
         status, health_status, started_at)
       VALUES ($1, $2, $2, $3, '127.0.0.1', $4, 'running', 'healthy', now())`,
      [name, `${name}-${i}`, i, nextPort++],
    );
  }
}

/** Every live instance of the app reports this CPU mean (replacing earlier samples). */
async function cpu(name: string, value: number) {
  await pool.query('DELETE FROM metrics WHERE app_name = $1', [name]);
  await pool.query(
    `INSERT INTO metrics (app_name, instance_id, metric_type, value)
     SELECT app_name, id, 'cpu_percent', $2 FROM instances WHERE app_name = $1`,
    [name, value],
  );
}

describe('control loop history (hpa_compatible)', () => {
  it("keeps the first evaluation's seed in the down window: 5 pods at CPU 10 -> 5,5,5 then 1", async () => {
    await appWithPods('seed', 5, { scale_down_stabilization_seconds: 300 });
    await cpu('seed', 10);
    const t0 = Date.now();
    const seen: number[] = [];
    for (const t of [0, 100, 200, 300]) {
      const d = await evaluateAndAct(pool, 'seed', t0 + t * S);
      seen.push(d!.desiredReplicas);
    }
    expect(seen).toEqual([5, 5, 5, 1]);
  });

  it('does not reseed after a gap as long as the history: windows 60 s, ratio 1.55 -> 2', async () => {
    await appWithPods('gap', 1, {
      scale_up_stabilization_seconds: 60,
      scale_down_stabilization_seconds: 60,
    });
    await cpu('gap', 50);
    const t0 = Date.now();
    const first = await evaluateAndAct(pool, 'gap', t0);
    await cpu('gap', 77.5);
    const second = await evaluateAndAct(pool, 'gap', t0 + 60 * S);
    expect([first!.desiredReplicas, second!.desiredReplicas]).toEqual([1, 2]);
  });

  it('the batched evaluation of a control pass writes what evaluateAndAct writes', async () => {
    const policy = { scale_down_stabilization_seconds: 60, hpa_compatible: false };
    // Three apps in one batch: the metric windows are read in slices.
    const batch = ['many', 'many-b', 'many-c'];
    for (const name of ['one', ...batch]) await appWithPods(name, 5, policy);
    const t0 = Date.now();
    for (const [t, level] of [
      [0, 50],
      [15, 50],
      [30, 20],
      [45, 20],
      [61, 20],
      [80, 20],
      [95, 90],
    ] as const) {
      for (const name of ['one', ...batch]) await cpu(name, level);
      await evaluateAndAct(pool, 'one', t0 + t * S);
      const apps = await Promise.all(batch.map(async (n) => (await maybeGetApp(pool, n))!));
      await evaluateApps(pool, apps, await listInstancesOfApps(pool, batch), t0 + t * S);
    }
    const rows = async (name: string) =>
      (
        await pool.query(
          `SELECT decided_at, current_replicas, recommended_replicas, desired_replicas, acted,
                  in_history, winning_metric, limited_by, reasons
             FROM scaling_decisions WHERE app_name = $1 ORDER BY decided_at, id`,
          [name],
        )
      ).rows;
    const one = await rows('one');
    expect(one.length).toBeGreaterThan(2);
    expect(one.some((r) => r.acted)).toBe(true);
    for (const name of batch) expect(await rows(name)).toEqual(one);
  });

  it('a repeated quiet decision sends its reasons and proposals once, and still records them all', async () => {
    // Two apps on the same samples: 'memo' through the batched evaluation with a
    // details memo, as the control store runs it; 'full' through evaluateAndAct.
    const policy = { max_cpu_percent: 70, hpa_compatible: false, cooldown_seconds: 0 };
    await appWithPods('memo', 3, policy);
    await appWithPods('full', 3, policy);
    await cpu('memo', 50);
    await cpu('full', 50);
    const sent: unknown[][] = [];
    const recording = new Proxy(pool, {
      get(target, key) {
        if (key === 'query') {
          return (text: string, values?: unknown[]) => {
            if (/^UPDATE scaling_decisions/.test(text)) sent.push(values ?? []);
            return target.query(text, values);
          };
        }
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const memo = createDetailsMemo();
    const t0 = Date.now();
    const pass = async (t: number) => {
      await evaluateAndAct(pool, 'full', t0 + t * S);
      const app = (await maybeGetApp(pool, 'memo'))!;
      const rows = await listInstancesOfApps(pool, ['memo']);
      await evaluateApps(recording, [app], rows, t0 + t * S, undefined, {}, memo);
    };
    for (const t of [0, 15, 30, 45]) await pass(t);
    // The first evaluation inserts, the second merges with its details, the
    // later ones merge without them ($7 reasons, $8 proposals: null = kept).
    expect(
      sent.map((v) => [(v[6] as unknown[])[0] === null, (v[7] as unknown[])[0] === null]),
    ).toEqual([
      [false, false],
      [true, true],
      [true, true],
    ]);
    // Another writer changed the row since: the next merge writes them in full.
    await pool.query(
      `UPDATE scaling_decisions SET reasons = '["changed elsewhere"]', proposals = '[]'
        WHERE app_name IN ('memo', 'full')`,
    );
    await pass(60);
    expect(sent.at(-1)![6]).toEqual([expect.any(String)]);
    await pass(75);
    expect([(sent.at(-1)![6] as unknown[])[0], (sent.at(-1)![7] as unknown[])[0]]).toEqual([
      null,
      null,
    ]);
    const rows = async (name: string) =>
      (
        await pool.query(
          `SELECT decided_at, current_replicas, recommended_replicas, desired_replicas, acted,
                  in_history, winning_metric, limited_by, reasons, proposals
             FROM scaling_decisions WHERE app_name = $1 ORDER BY decided_at, id`,
          [name],
        )
      ).rows;
    const full = await rows('full');
    expect(full.length).toBeGreaterThan(0);
    expect(full[0].reasons).not.toEqual(['changed elsewhere']);
    expect(await rows('memo')).toEqual(full);
  });

  it('reads scaling actions as far back as a reversal is remembered, beyond the recommendations', async () => {
    // Our engine (not hpa_compatible): a scale-down 8 -> 4 undone 120 s later, 23-25 minutes
    // ago, far outside the 600 s the recommendations are read for; the peak of 8 is 400 s old.
    const t0 = Date.now();
    const app = async (name: string, undoneAt: number) => {
      await appWithPods(name, 8, { scale_down_stabilization_seconds: 300, hpa_compatible: false });
      await cpu(name, 10);
      const row = (at: number, current: number, rec: number, acted: boolean) =>
        pool.query(
          `INSERT INTO scaling_decisions (app_name, decided_at, current_replicas,
             recommended_replicas, desired_replicas, acted, reasons, proposals, in_history)
           VALUES ($1, $2, $3, $4, $4, $5, '[]', '[]', true)`,
          [name, new Date(t0 + at * S), current, rec, acted],
        );
      await row(undoneAt, 8, 4, true);
      await row(undoneAt + 120, 4, 8, true);
      await row(-400, 8, 8, false);
      return (await maybeGetApp(pool, name))!;
    };
    const remembered = await app('memory', -1500);
    // 8 pods at CPU 10 against 50 recommend 2; the doubled window keeps the 400 s old 8.
    const explained = await explainApp(pool, remembered, t0);
    expect(explained.desiredReplicas).toBe(8);
    expect(explained.limitedBy).toBe('stabilization window (down, 600s)');
    const batched = await evaluateApps(
      pool,
      [remembered],
      await listInstancesOfApps(pool, ['memory']),
      t0,
    );
    expect(batched.get('memory')?.desiredReplicas).toBe(8);
    // A reversal older than six windows is forgotten: the policy's own window lets the 8 go.
    const forgotten = await explainApp(pool, await app('forgot', -2000), t0);
    expect(forgotten.desiredReplicas).toBe(2);
  });
});
