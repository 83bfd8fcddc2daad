import { Code } from '@connectrpc/connect';
import { beforeAll, describe, expect, inject } from 'vitest';
import { seedIncidents } from '../../kit/incidents.js';
import { serviceTest } from '../../support/fixtures.js';
import { auth, expectCode, uniquePrefix, waitForReplica, withClient } from './fixture.js';

const db = inject('db');
const test = serviceTest();
const DIMS = 1536;

/**
 * Past incidents at chosen similarities to the query e0, each handled by a chosen workflow with a
 * chosen outcome and duration. The "similarity trap": restart failed twice on near-identical
 * incidents (and worked once); scale-out worked every time on less similar ones.
 */
const CASES: { sim: number; workflow: string; outcome: 'ok' | 'fail' | 'running'; secs: number }[] =
  [
    { sim: 0.995, workflow: 'restart', outcome: 'fail', secs: 20 },
    { sim: 0.99, workflow: 'restart', outcome: 'fail', secs: 22 },
    { sim: 0.985, workflow: 'restart', outcome: 'ok', secs: 24 },
    { sim: 0.92, workflow: 'scale-out', outcome: 'ok', secs: 60 },
    { sim: 0.9, workflow: 'scale-out', outcome: 'ok', secs: 80 },
    { sim: 0.88, workflow: 'scale-out', outcome: 'ok', secs: 100 },
    { sim: 0.86, workflow: 'scale-out', outcome: 'fail', secs: 120 },
    { sim: 0.8, workflow: 'rollback', outcome: 'ok', secs: 30 },
    { sim: 0.7, workflow: 'drain', outcome: 'running', secs: 0 },
    { sim: 0.2, workflow: 'restart', outcome: 'ok', secs: 10 },
  ];

/** A unit vector at cosine `sim` from e0, in its own orthogonal direction e(i+1). */
function vectorAt(i: number, sim: number): Float32Array {
  const v = new Float32Array(DIMS);
  v[0] = sim;
  v[i + 1] = Math.sqrt(1 - sim * sim);
  return v;
}

/** The expected ranking, computed here independently of the service's code. */
function expected(cases: typeof CASES, minSim: number) {
  const z = 1.959964;
  const groups = new Map<string, typeof CASES>();
  for (const c of cases.filter((c) => c.sim >= minSim)) {
    groups.set(c.workflow, [...(groups.get(c.workflow) ?? []), c]);
  }
  return [...groups.entries()]
    .map(([workflow, list]) => {
      const decided = list.filter((c) => c.outcome !== 'running');
      const w = decided.map((c) => c.sim);
      const sw = w.reduce((a, b) => a + b, 0);
      const sw2 = w.reduce((a, b) => a + b * b, 0);
      const p = decided.filter((c) => c.outcome === 'ok').reduce((a, c) => a + c.sim, 0) / sw || 0;
      const n = sw2 > 0 ? (sw * sw) / sw2 : 0;
      const lower =
        n > 0
          ? (p + (z * z) / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) /
            (1 + (z * z) / n)
          : 0;
      const secs = list
        .filter((c) => c.outcome !== 'running')
        .map((c) => c.secs)
        .sort((a, b) => a - b);
      const mid = secs.length >> 1;
      const median = secs.length % 2 ? secs[mid]! : (secs[mid - 1]! + secs[mid]!) / 2;
      return { workflow, p, lower: Math.max(0, lower), n, support: list.length, median };
    })
    .sort((a, b) => b.lower - a.lower);
}

describe('SuggestRemediations', () => {
  const prefix = uniquePrefix('sug');
  const embedder = `test-suggest-${prefix}`;
  let ids: bigint[] = [];

  beforeAll(async () => {
    await withClient(db.scalerUrl, async (c) => {
      ids = await seedIncidents(c, {
        n: CASES.length,
        prefix,
        embedder,
        vector: (i) => vectorAt(i, CASES[i]!.sim),
        baseMs: Date.now(),
      });
      for (const [i, k] of CASES.entries()) {
        await c.query(
          `UPDATE remediation_requests SET phase = $3 WHERE namespace = $1 AND name = $2`,
          [
            `${prefix}-ns-${i % 10}`,
            `rr-${i}`,
            k.outcome === 'running' ? 'Processing' : 'Completed',
          ],
        );
        await c.query(
          `INSERT INTO workflow_executions (name, namespace, remediation_request_ref, workflow_name,
             step_count, phase, created_at, started_at, completed_at)
           SELECT 'wf-' || name, namespace, name, $3, 1, $4, created_at, created_at,
                  CASE WHEN $4 = 'Executing' THEN NULL ELSE created_at + make_interval(secs => $5) END
             FROM remediation_requests WHERE namespace = $1 AND name = $2`,
          [
            `${prefix}-ns-${i % 10}`,
            `rr-${i}`,
            k.workflow,
            { ok: 'Completed', fail: 'Failed', running: 'Executing' }[k.outcome],
            k.secs,
          ],
        );
      }
    });
    await waitForReplica(db);
  }, 120_000);

  const query = () => ({
    case: 'vector' as const,
    value: { values: Array.from({ length: DIMS }, (_, i) => (i === 0 ? 1 : 0)), embedder },
  });

  test('ranks by the lower bound of the similarity-weighted success rate, as computed here', async ({
    contextClient: client,
  }) => {
    const res = await client.suggestRemediations({ query: query(), limit: 10 }, auth);
    const want = expected(CASES, 0);
    expect(res.suggestions.map((s) => s.workflowName)).toEqual(want.map((w) => w.workflow));
    // The trap: restart has the most similar evidence but ranks below scale-out.
    const names = res.suggestions.map((s) => s.workflowName);
    expect(names.indexOf('scale-out')).toBeLessThan(names.indexOf('restart'));
    expect(res.suggestions[0]!.maxSimilarity).toBeLessThan(0.95);
    for (const [i, s] of res.suggestions.entries()) {
      const w = want[i]!;
      expect(s.successRate).toBeCloseTo(w.p, 4);
      expect(s.successRateLower).toBeCloseTo(w.lower, 4);
      expect(s.effectiveSupport).toBeCloseTo(w.n, 4);
      expect(Number(s.supportingIncidents)).toBe(w.support);
      if (w.workflow !== 'drain') {
        expect(Number(s.typicalDuration?.seconds ?? 0)).toBe(Math.floor(w.median));
      }
    }
    expect(res.neighborsConsidered).toBe(CASES.length);
    expect(res.plan?.method).toBe('exact');
  });

  test('lists the evidence, most similar first, and counts undecided incidents apart', async ({
    contextClient: client,
  }) => {
    const res = await client.suggestRemediations({ query: query(), limit: 10 }, auth);
    const restart = res.suggestions.find((s) => s.workflowName === 'restart')!;
    expect(restart.evidenceIncidentIds).toEqual([ids[0], ids[1], ids[2], ids[9]]);
    expect(Number(restart.failed)).toBe(2);
    const drain = res.suggestions.find((s) => s.workflowName === 'drain')!;
    expect(Number(drain.undecided)).toBe(1);
    expect(drain.successRateLower).toBe(0);
    expect(drain.typicalDuration).toBeUndefined();
  });

  test('honours min_similarity, neighbors and limit', async ({ contextClient: client }) => {
    const near = await client.suggestRemediations({ query: query(), minSimilarity: 0.85 }, auth);
    expect(near.neighborsConsidered).toBe(7);
    expect(near.suggestions.map((s) => s.workflowName)).toEqual(
      expected(CASES, 0.85).map((w) => w.workflow),
    );
    const few = await client.suggestRemediations({ query: query(), neighbors: 3, limit: 1 }, auth);
    expect(few.neighborsConsidered).toBe(3);
    expect(few.suggestions).toHaveLength(1);
    expect(few.suggestions[0]!.workflowName).toBe('restart');
    expect(few.suggestions[0]!.successRate).toBeCloseTo(0.985 / (0.995 + 0.99 + 0.985), 4);
  });

  test('rejects bad arguments with the field named', async ({ contextClient: client }) => {
    await expectCode(
      client.suggestRemediations({ query: query(), neighbors: 501 }, auth),
      Code.InvalidArgument,
      'neighbors',
    );
    await expectCode(
      client.suggestRemediations({ query: query(), limit: -1 }, auth),
      Code.InvalidArgument,
      'limit',
    );
    await expectCode(client.suggestRemediations({}, auth), Code.InvalidArgument, 'query');
  });
});
