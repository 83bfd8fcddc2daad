import { ContextService } from '@autoserve/proto';
import { SearchSimilarIncidentsRequestSchema } from '@autoserve/proto/context/v1';
import { createPool, type Pool, queryPipelined, withReadSession } from '@autoserve/runtime';
import { create } from '@bufbuild/protobuf';
import { createHandlerContext } from '@connectrpc/connect';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../context-service/src/config.js';
import { createContextHandlers } from '../../../context-service/src/handlers/index.js';
import { similarIncidentsSql } from '../../../context-service/src/queries/similar.js';
import { PLAN_SETTINGS } from '../../../context-service/src/similarity/plan-settings.js';
import { ClusteredVectors } from '../../kit/clustered.js';
import { seedIncidents } from '../../kit/incidents.js';
import { serviceEnv } from '../../support/services.js';
import { uniquePrefix, waitForReplica, withClient } from './fixture.js';

const db = inject('db');
const N = 400;
const DIMS = 1536;
// The HNSW index as it appears anywhere in an EXPLAIN (FORMAT JSON) plan.
const USES_HNSW = '"Index Name":"idx_incident_embeddings_vector"';

/**
 * A similarity call's planner settings, replica-lag probe and query travel in one round trip once
 * its filter's row estimate is known, and the settings still decide the plan of the query they
 * travel with.
 */
describe('similarity reads in one round trip', () => {
  const prefix = uniquePrefix('trips');
  const embedder = `test-trips-${prefix}`;
  const gen = new ClusteredVectors({ dims: DIMS, clusters: 8, seed: 11 });
  let pool: Pool;
  let roundTrips = 0;

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
    pool = await createPool({ url: db.contextReplicaUrl, max: 2, applicationName: 'trips' });
    // Every round trip ends with the server's ReadyForQuery (counted on every client, including
    // the one createPool already opened).
    const counted = new WeakSet<object>();
    pool.on('acquire', (client) => {
      if (counted.has(client)) return;
      counted.add(client);
      (client as unknown as { connection: NodeJS.EventEmitter }).connection.on(
        'readyForQuery',
        () => roundTrips++,
      );
    });
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
  });

  async function explainAlongside(method: 'exact' | 'hnsw') {
    const { text, values } = similarIncidentsSql({
      vector: gen.queryNear(1),
      embedder,
      filter: {},
      limit: 10,
      maxDistance: 2,
      method,
    });
    // The settings the hnsw plan needs are the opposite of the session's defaults; the exact plan
    // runs after an hnsw one on the same session, so each must have been applied, not inherited.
    const settings = { ...PLAN_SETTINGS[method], 'hnsw.ef_search': '40' };
    return withReadSession(
      pool,
      { settings, alongside: { text: `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values } },
      async (_client, _probed, alongside) => JSON.stringify(alongside!.rows[0]),
    );
  }

  it('settings sent with a query in one round trip decide its plan', async () => {
    for (let round = 0; round < 2; round++) {
      expect(await explainAlongside('hnsw')).toContain(USES_HNSW);
      expect(await explainAlongside('exact')).not.toContain(USES_HNSW);
    }
  });

  it('a failing statement in a pipeline rejects the call and leaves the connection usable', async () => {
    const client = await pool.connect();
    try {
      await expect(
        queryPipelined(client, [
          { text: 'SELECT 1::int AS a', values: [] },
          { text: 'SELECT 1 / $1::int AS b', values: [0] },
          { text: 'SELECT 3 AS c', values: [] },
        ]),
      ).rejects.toMatchObject({ code: '22012' });
      const [a, c] = await queryPipelined(client, [
        { text: 'SELECT $1::int AS a', values: [1] },
        { text: 'SELECT $1::text[] AS c', values: [['x', 'y']] },
      ]);
      expect(a!.rows).toEqual([{ a: 1 }]);
      expect(c!.rows).toEqual([{ c: ['x', 'y'] }]);
    } finally {
      client.release();
    }
  });

  it('a repeated SearchSimilarIncidents costs one round trip to the replica', async () => {
    const config = loadConfig(serviceEnv(db, { CONTEXT_EXACT_SCAN_MAX_ROWS: '0' }));
    const { handlers, calibrator } = createContextHandlers({
      replica: pool,
      primary: undefined,
      config,
      log: pino({ level: 'silent' }),
    });
    try {
      const call = async (q: number) => {
        const ctx = createHandlerContext({
          service: ContextService,
          method: ContextService.method.searchSimilarIncidents,
          protocolName: 'grpc',
          requestMethod: 'POST',
          url: '/',
          timeoutMs: 10_000,
        });
        const req = create(SearchSimilarIncidentsRequestSchema, {
          query: { case: 'vector', value: { values: Array.from(gen.queryNear(q)), embedder } },
          limit: 10,
        });
        const before = roundTrips;
        const res = await handlers.searchSimilarIncidents!(req, ctx);
        return { res, trips: roundTrips - before };
      };
      const first = await call(0);
      // The first sight of a filter reads its row estimate: more round trips.
      expect(first.trips).toBeGreaterThan(1);
      for (let q = 0; q < 4; q++) {
        const again = await call(q);
        expect(again.trips).toBe(1);
        expect(again.res.plan?.method).toBe('hnsw');
        expect(again.res.results).toHaveLength(10);
      }
      // The same answer either way.
      const repeat = await call(0);
      expect(repeat.res.results?.map((r) => r.incident?.id)).toEqual(
        first.res.results?.map((r) => r.incident?.id),
      );
    } finally {
      calibrator.stop();
    }
  });
});
