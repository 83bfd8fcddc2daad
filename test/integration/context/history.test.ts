import { Priority, RemediationPhase, Severity } from '@autoserve/proto/common/v1';
import { Code } from '@connectrpc/connect';
import { beforeAll, describe, expect, inject } from 'vitest';
import { ClusteredVectors, dot, normalize } from '../../kit/clustered.js';
import { seedIncidents } from '../../kit/incidents.js';
import { serviceTest } from '../../support/fixtures.js';
import { auth, expectCode, uniquePrefix, waitForReplica, withClient } from './fixture.js';

const db = inject('db');
const test = serviceTest();

describe('history RPCs match SQL and brute force', () => {
  const ns = uniquePrefix('hist');
  const app = `app-${process.pid}-${Date.now().toString(36)}`.slice(0, 40);
  const dupVectors: Float32Array[] = [];
  let dupIds: bigint[] = [];

  beforeAll(async () => {
    const gen = new ClusteredVectors({ dims: 1536, clusters: 5, seed: 3 });
    for (let i = 0; i < 40; i++) {
      // Some items are near copies of the item 10 before (same seeded namespace, i % 10).
      const copy = i >= 10 && i % 4 === 3;
      const v = copy ? Float32Array.from(dupVectors[i - 10]!) : gen.vector(i);
      if (copy) v[i] = v[i]! + 0.02;
      dupVectors.push(normalize(v));
    }
    await withClient(db.scalerUrl, async (pgc) => {
      // 45 requests with colliding timestamps in pairs (keyset must break ties by id).
      await pgc.query(
        `INSERT INTO remediation_requests (name, namespace, signal_type, signal_name, signal_namespace,
           target_type, target_name, target_namespace, priority, phase, created_at, correlation_id)
         SELECT 'req-' || g, $1, 'prometheus', 'HighCPU', $1, 'deployment', 'api', $1,
                (ARRAY['P0','P1','P2'])[1 + g % 3], (ARRAY['Completed','Failed','Pending'])[1 + g % 3],
                date_trunc('second', now()) - make_interval(mins => g / 2), 'corr-' || $1 || '-' || g
         FROM generate_series(1, 45) g`,
        [ns],
      );
      // A full timeline for req-1 (times deliberately out of insert order, with ties).
      await pgc.query(
        `WITH r AS (SELECT created_at AS t FROM remediation_requests WHERE namespace = $1 AND name = 'req-1')
         , p AS (INSERT INTO remediation_processing (name, namespace, remediation_request_ref, phase, created_at, correlation_id)
                 SELECT 'proc-1', $1, 'req-1', 'Completed', t + interval '2 s', 'corr-' || $1 || '-1' FROM r)
         , a AS (INSERT INTO ai_analysis (name, namespace, remediation_request_ref, root_cause, confidence, created_at)
                 SELECT 'ai-1', $1, 'req-1', 'leak', 0.9, t + interval '2 s' FROM r)
         , w AS (INSERT INTO workflow_executions (name, namespace, remediation_request_ref, workflow_name, step_count, phase, created_at)
                 SELECT 'wf-1', $1, 'req-1', 'restart', 1, 'Completed', t + interval '3 s' FROM r)
         INSERT INTO kubernetes_executions (name, namespace, workflow_execution_ref, action_type, target_type,
                                            target_name, target_namespace, action_result, created_at)
         SELECT 'k8s-1', $1, 'wf-1', 'patch', 'deployment', 'api', $1, 'success', t + interval '1 s' FROM r`,
        [ns],
      );
      dupIds = await seedIncidents(pgc, {
        n: dupVectors.length,
        prefix: `${ns}-dup`,
        embedder: `test-dup-${ns}`,
        vector: (i) => dupVectors[i]!,
        baseMs: Date.now(),
      });
      await pgc.query(`INSERT INTO applications (name, spec) VALUES ($1, '{"image":"x"}')`, [app]);
      await pgc.query(
        `INSERT INTO events (event_type, app_name, message, severity, timestamp)
         SELECT (ARRAY['scaling','health','error'])[1 + g % 3], $1, 'event ' || g,
                (ARRAY['info','warning','error','debug'])[1 + g % 4], now() - make_interval(secs => g * 10)
         FROM generate_series(1, 30) g`,
        [app],
      );
      await pgc.query(
        `INSERT INTO metrics (app_name, metric_type, timestamp, value)
         SELECT $1, (ARRAY['cpu_percent','rps'])[1 + g % 2], now() - make_interval(secs => g), (g * 7 % 100)::float8
         FROM generate_series(1, 200) g`,
        [app],
      );
    });
    await waitForReplica(db);
  }, 120_000);

  test('ListRemediationHistory pages equal the SQL order, stay stable under inserts, bind tokens', async ({
    contextClient: c,
  }) => {
    const expected = await withClient(db.ownerReplicaUrl, async (pgc) =>
      (
        await pgc.query<{ name: string }>(
          `SELECT name FROM remediation_requests WHERE namespace = $1 AND phase = ANY($2)
           ORDER BY created_at DESC, id DESC`,
          [ns, ['Completed', 'Failed']],
        )
      ).rows.map((r) => r.name),
    );
    const filter = {
      namespace: ns,
      phases: [RemediationPhase.COMPLETED, RemediationPhase.FAILED],
    };
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await c.listRemediationHistory(
        { ...filter, pageSize: 7, pageToken: token },
        auth,
      );
      seen.push(...res.requests.map((r) => r.name));
      token = res.nextPageToken;
      if (pages++ === 1) {
        // Concurrent inserts (newer and older) must not shift the remaining pages.
        await withClient(db.scalerUrl, (pgc) =>
          pgc.query(
            `INSERT INTO remediation_requests (name, namespace, signal_type, signal_name, signal_namespace,
               target_type, target_name, target_namespace, phase, created_at)
             VALUES ('late-new', $1, 'p', 's', $1, 'deployment', 'api', $1, 'Completed', now()),
                    ('late-old', $1, 'p', 's', $1, 'deployment', 'api', $1, 'Completed', now() - interval '1 year')`,
            [ns],
          ),
        );
        await waitForReplica(db);
      }
    } while (token);
    expect(seen.filter((n) => n !== 'late-old')).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);

    const first = await c.listRemediationHistory({ ...filter, pageSize: 5 }, auth);
    await expectCode(
      c.listRemediationHistory(
        { namespace: ns, pageSize: 5, pageToken: first.nextPageToken },
        auth,
      ),
      Code.InvalidArgument,
      'page_token',
    );
    const p0 = await c.listRemediationHistory(
      { namespace: ns, priorities: [Priority.P0], pageSize: 500 },
      auth,
    );
    expect(p0.requests.every((r) => r.priority === Priority.P0)).toBe(true);
    expect(p0.requests.length).toBe(15);
  });

  test('GetRemediationTimeline returns every record in time order, by name and by correlation id', async ({
    contextClient: c,
  }) => {
    const byName = await c.getRemediationTimeline(
      { key: { case: 'requestName', value: { namespace: ns, name: 'req-1' } } },
      auth,
    );
    expect(byName.entries.map((e) => e.record.case)).toEqual([
      'request',
      'action',
      'processing',
      'analysis',
      'workflow',
    ]);
    const byCorr = await c.getRemediationTimeline(
      { key: { case: 'correlationId', value: `corr-${ns}-1` } },
      auth,
    );
    expect(byCorr.entries.map((e) => e.record.case)).toEqual(
      byName.entries.map((e) => e.record.case),
    );
    const times = byName.entries.map((e) => Number(e.time!.seconds) * 1e9 + e.time!.nanos);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  test('ListNearDuplicates returns exactly the brute-force pairs above the threshold, paginated', async ({
    contextClient: c,
  }) => {
    const pairsIn = (k: number) => {
      const out: string[] = [];
      for (let i = 0; i < dupVectors.length; i++)
        for (let j = i + 1; j < dupVectors.length; j++)
          if (i % 10 === k && j % 10 === k && dot(dupVectors[i]!, dupVectors[j]!) >= 0.95)
            out.push(`${dupIds[i]}-${dupIds[j]}`);
      return out;
    };
    const want = pairsIn(3);
    expect(want.length).toBeGreaterThan(0);
    const got: string[] = [];
    let token = '';
    do {
      const res = await c.listNearDuplicates(
        { namespace: `${ns}-dup-ns-3`, pageSize: 1, pageToken: token },
        auth,
      );
      for (const p of res.pairs) {
        got.push(`${p.first!.id}-${p.second!.id}`);
        expect(p.similarity).toBeGreaterThanOrEqual(0.95);
      }
      token = res.nextPageToken;
    } while (token);
    expect(got).toEqual(want);
    for (let k = 0; k < 10; k++) {
      const res = await c.listNearDuplicates(
        { namespace: `${ns}-dup-ns-${k}`, pageSize: 500 },
        auth,
      );
      expect(res.pairs.map((p) => `${p.first!.id}-${p.second!.id}`)).toEqual(pairsIn(k));
    }
  });

  test('ListAppEvents pages by time with a severity floor; GetAppMetrics matches SQL', async ({
    contextClient: c,
  }) => {
    const expected = await withClient(db.ownerReplicaUrl, async (pgc) =>
      (
        await pgc.query<{ id: string }>(
          `SELECT id::text FROM events WHERE app_name = $1 AND severity_rank >= 2
           ORDER BY timestamp DESC, id DESC`,
          [app],
        )
      ).rows.map((r) => r.id),
    );
    const got: string[] = [];
    let token = '';
    do {
      const res = await c.listAppEvents(
        { appName: app, minSeverity: Severity.WARNING, pageSize: 4, pageToken: token },
        auth,
      );
      got.push(...res.events.map((e) => String(e.id)));
      token = res.nextPageToken;
    } while (token);
    expect(got).toEqual(expected);

    const m = await c.getAppMetrics(
      { appName: app, window: { seconds: 3600n, nanos: 0 }, bucket: { seconds: 60n, nanos: 0 } },
      auth,
    );
    const sql = await withClient(
      db.ownerReplicaUrl,
      async (pgc) =>
        (
          await pgc.query<{ metric_type: string; n: string; avg: number; p95: number }>(
            `SELECT metric_type, count(*) AS n, avg(value) AS avg,
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95
           FROM metrics WHERE app_name = $1 GROUP BY 1 ORDER BY 1`,
            [app],
          )
        ).rows,
    );
    expect(m.windows.map((w) => [Number(w.dataPoints), w.avg, w.p95])).toEqual(
      sql.map((r) => [Number(r.n), r.avg, r.p95]),
    );
    expect(m.series).toHaveLength(2);
    for (const s of m.series) {
      expect(s.buckets.reduce((n, b) => n + Number(b.dataPoints), 0)).toBe(100);
      for (const b of s.buckets) expect(Number(b.bucketStart!.seconds) % 60).toBe(0);
    }
  });
});
