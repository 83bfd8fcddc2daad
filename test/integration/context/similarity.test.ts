import { DataSource } from '@autoserve/proto/common/v1';
import { Outcome } from '@autoserve/proto/context/v1';
import { hashEmbed, type RunningService } from '@autoserve/runtime';
import { Code } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClusteredVectors, dot } from '../../kit/clustered.js';
import { seedIncidents, selectivityFilters } from '../../kit/incidents.js';
import { recallAt, topK } from '../../kit/truth.js';
import { createTestDatabase, dropTestDatabase, type TestDb } from '../../support/database.js';
import { startContext } from '../../support/services.js';
import {
  auth,
  type ContextClient,
  contextClient,
  expectCode,
  uniquePrefix,
  waitForReplica,
  withClient,
} from './fixture.js';

// A database of its own: the HNSW index is one graph over every embedder's rows, and other files'
// rows joining it mid-run (in an order that changes with scheduling) made this file's recall at
// the default ef a draw: 0.967 once at 100% in CI, with 5,000 of its own rows in the graph.
const cluster = inject('cluster');
let db: TestDb;
const N = 5000;
const DIMS = 1536;
const QUERIES = 15;

describe('SearchSimilarIncidents', () => {
  const prefix = uniquePrefix('sim');
  const embedder = `test-clustered-${prefix}`;
  const gen = new ClusteredVectors({ dims: DIMS, clusters: 40, seed: 11 });
  const all = new Float32Array(N * DIMS);
  let ids: bigint[] = [];
  let service: RunningService;
  let forcedHnsw: RunningService;
  let client: ContextClient;
  let hnswClient: ContextClient;
  const hashTexts = [
    'checkout pods OOMKilled after memory limit 512Mi exceeded',
    'checkout pod OOMKilled: memory limit 512Mi exceeded',
    'TLS certificate for ingress expired',
  ];
  let hashIds: bigint[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(
      cluster,
      `autoserve_similarity_${process.pid}_${Date.now().toString(36)}`,
    );
    for (let i = 0; i < N; i++) all.set(gen.vector(i), i * DIMS);
    await withClient(db.scalerUrl, async (c) => {
      ids = await seedIncidents(c, {
        n: N,
        prefix,
        embedder,
        vector: (i) => all.subarray(i * DIMS, (i + 1) * DIMS),
        baseMs: Date.now(),
      });
      // Outcome: item 0's request completed but its latest workflow failed.
      await c.query(
        `INSERT INTO workflow_executions (name, namespace, remediation_request_ref, workflow_name,
           step_count, phase, created_at)
         SELECT 'wf-old', namespace, name, 'restart', 1, 'Completed', created_at + interval '1 s'
           FROM remediation_requests WHERE namespace = $1 AND name = 'rr-0'
         UNION ALL
         SELECT 'wf-new', namespace, name, 'scale-out', 2, 'Failed', created_at + interval '2 s'
           FROM remediation_requests WHERE namespace = $1 AND name = 'rr-0'`,
        [`${prefix}-ns-0`],
      );
      hashIds = await seedIncidents(c, {
        n: hashTexts.length,
        prefix: `${prefix}-text`,
        embedder: 'hash-v1',
        vector: (i) => hashEmbed(hashTexts[i]!),
        baseMs: Date.now(),
      });
    });
    await waitForReplica(db);
    [service, forcedHnsw] = await Promise.all([
      startContext(db),
      startContext(db, { CONTEXT_EXACT_SCAN_MAX_ROWS: '0' }),
    ]);
    client = contextClient(service);
    hnswClient = contextClient(forcedHnsw);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([service?.stop(), forcedHnsw?.stop()]);
    if (db) await dropTestDatabase(cluster, db.name);
  });

  const search = (c: ContextClient, values: Float32Array, filter: object, extra: object = {}) =>
    c.searchSimilarIncidents(
      {
        query: { case: 'vector', value: { values: Array.from(values), embedder } },
        filter,
        ...extra,
      },
      auth,
    );

  it('has recall@10 >= 0.98 against brute force at 100%, 10%, 1% and 0.1% selectivity', async () => {
    const queries = Array.from({ length: QUERIES }, (_, k) => gen.queryNear((k * 7919) % N));
    const report: Record<string, unknown> = {};
    for (const f of selectivityFilters(prefix)) {
      let chosen = 0;
      let forced = 0;
      let plan = '';
      for (const q of queries) {
        const truth = topK(q, all, N, 10, f.keep).map((i) => String(ids[i]));
        const res = await search(client, q, f.filter);
        chosen += recallAt(
          res.results.map((r) => String(r.incident!.id)),
          truth,
        );
        plan = res.plan!.method;
        const h = await search(hnswClient, q, f.filter);
        expect(h.plan!.method).toBe('hnsw');
        // Uncalibrated (tests start services with calibration off): its recall is the default
        // ef's on this graph, not a figure the service claims (that check: similarity-plans).
        expect(h.plan!.calibration).toBeUndefined();
        forced += recallAt(
          h.results.map((r) => String(r.incident!.id)),
          truth,
        );
      }
      report[f.label] = { plan, recall: chosen / QUERIES, hnswOnly: forced / QUERIES };
      expect(chosen / QUERIES, `${f.label} (${plan})`).toBeGreaterThanOrEqual(0.98);
      // Even forced onto the graph (and it now is: see similarity-plans.test.ts), the iterative
      // scan keeps filtered recall high. A floor, not the promise (that is the line above): the
      // graph is built with random levels: 15 queries at 10% passed 0.9 in earlier runs, then gave 0.86.
      expect(forced / QUERIES, `${f.label} forced HNSW`).toBeGreaterThanOrEqual(0.8);
    }
    expect(report['100%']).toMatchObject({ plan: 'hnsw' });
    expect(report['0.1%']).toMatchObject({ plan: 'exact' });
  });

  it('reports similarity, the request, the latest workflow and the outcome', async () => {
    const q = all.subarray(0, DIMS);
    const res = await search(client, q, { namespace: `${prefix}-ns-0` }, { limit: 3 });
    expect(res.readInfo).toMatchObject({ source: DataSource.REPLICA, degraded: false });
    const top = res.results[0]!;
    expect(top.incident!.id).toBe(ids[0]);
    expect(top.similarity).toBeCloseTo(1, 5);
    expect(top.request).toMatchObject({ name: 'rr-0', namespace: `${prefix}-ns-0` });
    expect(top.workflow).toMatchObject({ name: 'wf-new', workflowName: 'scale-out' });
    expect(top.outcome).toBe(Outcome.FAILED);
    for (const r of res.results) {
      const i = ids.indexOf(r.incident!.id);
      expect(r.similarity).toBeCloseTo(dot(q, all, i * DIMS), 4);
    }
    const sims = res.results.map((r) => r.similarity);
    expect([...sims].sort((a, b) => b - a)).toEqual(sims);
  });

  it('applies min_similarity and limit', async () => {
    const q = gen.queryNear(3);
    const res = await search(client, q, {}, { minSimilarity: 0.9, limit: 100 });
    const truth = topK(q, all, N, 100, () => true).filter((i) => dot(q, all, i * DIMS) >= 0.9);
    expect(res.results.map((r) => r.incident!.id).sort()).toEqual(truth.map((i) => ids[i]).sort());
    expect(res.results.every((r) => r.similarity >= 0.9)).toBe(true);
  });

  it('searches by incident id (excluding it) and by text with the hash embedder', async () => {
    const byId = await client.searchSimilarIncidents(
      { query: { case: 'incidentId', value: ids[5]! }, limit: 5 },
      auth,
    );
    const truth = topK(all.subarray(5 * DIMS, 6 * DIMS), all, N, 6, (i) => i !== 5);
    expect(byId.results.map((r) => r.incident!.id)).toEqual(truth.slice(0, 5).map((i) => ids[i]));
    expect(byId.results.every((r) => r.incident!.embedder === embedder)).toBe(true);

    const byText = await client.searchSimilarIncidents(
      {
        query: { case: 'text', value: 'checkout pod OOMKilled, memory limit 512Mi exceeded' },
        filter: { namespace: `${prefix}-text-ns-0` },
        limit: 3,
      },
      auth,
    );
    expect(byText.results[0]!.incident!.id).toBe(hashIds[0]);
    expect(byText.results[0]!.incident!.embedder).toBe('hash-v1');
    expect(byText.results[0]!.similarity).toBeGreaterThan(0.7);
  });

  it('refuses to compare vectors of different embedders, and unknown incidents', async () => {
    await expectCode(
      client.searchSimilarIncidents(
        {
          query: {
            case: 'vector',
            value: { values: Array.from(gen.vector(1)), embedder: 'openai:other-model' },
          },
        },
        auth,
      ),
      Code.FailedPrecondition,
    );
    await expectCode(
      client.searchSimilarIncidents(
        { query: { case: 'incidentId', value: 999_999_999_999n } },
        auth,
      ),
      Code.NotFound,
    );
  });
});
