import type { RunningService } from '@autoserve/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClusteredVectors } from '../../../bench/support/clustered.js';
import { seedIncidents, selectivityFilters } from '../../../bench/support/incidents.js';
import { similarIncidentsSql } from '../../../context-service/src/queries/similar.js';
import { PLAN_SETTINGS } from '../../../context-service/src/similarity/plan-settings.js';
import { startContext } from '../../support/services.js';
import {
  auth,
  type ContextClient,
  contextClient,
  uniquePrefix,
  waitForReplica,
  withClient,
} from './fixture.js';

const db = inject('db');
const N = 5000;
const DIMS = 1536;
const HNSW_INDEX = 'idx_incident_embeddings_vector';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(p: PlanNode): PlanNode[] {
  return [p, ...(p.Plans ?? []).flatMap(nodes)];
}

/** HNSW index scans Postgres counted on the replica (its own statistics). */
async function hnswScans(): Promise<number> {
  return withClient(db.ownerReplicaUrl, async (c) => {
    await c.query('SELECT pg_stat_clear_snapshot()');
    const r = await c.query<{ n: string }>(
      'SELECT idx_scan::text AS n FROM pg_stat_user_indexes WHERE indexrelname = $1',
      [HNSW_INDEX],
    );
    return Number(r.rows[0]?.n ?? 0);
  });
}

/**
 * The plan a similarity response reports is the plan Postgres ran: checked with EXPLAIN ANALYZE of
 * the service's own statement under the service's own settings, and with the replica's index
 * scan counters for calls through the service.
 */
describe('similarity plans are what they say', () => {
  const prefix = uniquePrefix('plans');
  const embedder = `test-plans-${prefix}`;
  const gen = new ClusteredVectors({ dims: DIMS, clusters: 40, seed: 5 });
  let forcedHnsw: RunningService;
  let hnswClient: ContextClient;
  const tenPercent = selectivityFilters(prefix)[1]!;

  beforeAll(async () => {
    await withClient(db.scalerUrl, (c) =>
      seedIncidents(c, {
        n: N,
        prefix,
        embedder,
        vector: (i) => gen.vector(i),
        baseMs: Date.now(),
      }),
    );
    await withClient(db.ownerUrl, (c) => c.query('ANALYZE incident_embeddings'));
    await waitForReplica(db);
    forcedHnsw = await startContext(db, { CONTEXT_EXACT_SCAN_MAX_ROWS: '0' });
    hnswClient = contextClient(forcedHnsw);
  }, 120_000);
  afterAll(async () => {
    await forcedHnsw?.stop();
  });

  async function explain(method: 'exact' | 'hnsw', filter: Record<string, string>) {
    const { text, values } = similarIncidentsSql({
      vector: gen.queryNear(3),
      embedder,
      filter,
      limit: 10,
      maxDistance: 2,
      method,
    });
    return withClient(db.ownerReplicaUrl, async (c) => {
      for (const [k, v] of Object.entries({
        ...PLAN_SETTINGS[method],
        'hnsw.ef_search': '100',
        'hnsw.iterative_scan': 'relaxed_order',
      })) {
        await c.query('SELECT set_config($1, $2, false)', [k, v]);
      }
      const r = await c.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
        values,
      );
      return nodes(r.rows[0]!['QUERY PLAN'][0].Plan);
    });
  }

  for (const f of selectivityFilters('x')) {
    it(`hnsw at ${f.label} runs as an HNSW index scan`, async () => {
      const filter = selectivityFilters(prefix).find((x) => x.label === f.label)!.filter;
      const ran = await explain('hnsw', filter as Record<string, string>);
      expect(ran.some((n) => n['Index Name'] === HNSW_INDEX)).toBe(true);
      expect(ran.some((n) => n['Node Type'] === 'Bitmap Heap Scan')).toBe(false);
    });
    it(`exact at ${f.label} never touches the HNSW index`, async () => {
      const filter = selectivityFilters(prefix).find((x) => x.label === f.label)!.filter;
      const ran = await explain('exact', filter as Record<string, string>);
      expect(ran.some((n) => n['Index Name'] === HNSW_INDEX)).toBe(false);
    });
  }

  it('a 10% filter the service reports as hnsw is counted as HNSW scans by Postgres', async () => {
    const calls = 8;
    const before = await hnswScans();
    for (let i = 0; i < calls; i++) {
      const res = await hnswClient.searchSimilarIncidents(
        {
          query: { case: 'vector', value: { values: Array.from(gen.queryNear(i)), embedder } },
          filter: tenPercent.filter,
        },
        auth,
      );
      expect(res.plan?.method).toBe('hnsw');
    }
    // Backends flush their statistics at most once a second.
    let after = before;
    for (let t = 0; t < 40 && after - before < calls; t++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await hnswScans();
    }
    expect(after - before).toBeGreaterThanOrEqual(calls);
  });
});
