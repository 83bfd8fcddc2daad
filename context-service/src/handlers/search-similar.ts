import type {
  SearchSimilarIncidentsRequest,
  SearchSimilarIncidentsResponseSchema,
} from '@autoserve/proto/context/v1';
import {
  checkNumber,
  failedPrecondition,
  invalidArgument,
  notFound,
  type PoolClient,
} from '@autoserve/runtime';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import {
  type Row,
  toIncident,
  toRemediationRequest,
  toWorkflowExecution,
} from '../mapping/rows.js';
import {
  countFilteredRowsUpTo,
  embedderHasRows,
  getPlannedRows,
  getTotalIncidentRows,
  type IncidentFilterSql,
  listSimilarIncidents,
  listStoredEmbedders,
  maybeGetIncidentVector,
} from '../queries/similar.js';
import { outcomeOf } from '../similarity/outcome.js';
import { choosePlan, efSearchFor, MAX_EF_SEARCH, type SearchPlan } from '../similarity/plan.js';
import { countOrDefault, requiredText } from '../validate/fields.js';
import { incidentFilterOf } from '../validate/incident-filter.js';
import { queryVectorOf } from '../validate/vector.js';
import { type HandlerDeps, readInfoOf } from './deps.js';

type Response = MessageInitShape<typeof SearchSimilarIncidentsResponseSchema>;

// Only counted when the planner's estimate is within this factor of the exact-scan bound:
// far above it, HNSW is right whatever the exact count; below it, the count is cheap.
const COUNT_BAND = 4;

interface Query {
  vector?: ArrayLike<number>;
  embedder?: string;
  text?: string;
  incidentId?: bigint;
}

function queryOf(req: SearchSimilarIncidentsRequest): Query {
  switch (req.query.case) {
    case 'vector':
      return {
        vector: queryVectorOf('vector.values', req.query.value.values),
        embedder: requiredText('vector.embedder', req.query.value.embedder, 100),
      };
    case 'text':
      return { text: requiredText('text', req.query.value, 32_768) };
    case 'incidentId':
      if (req.query.value < 1n) throw invalidArgument('incident_id', 'must be >= 1');
      return { incidentId: req.query.value };
    default:
      throw invalidArgument('query', 'one of vector, text or incident_id is required');
  }
}

/** SearchSimilarIncidents: nearest incidents, with the plan chosen per query. */
export function createSearchSimilarHandler(deps: HandlerDeps) {
  const { config } = deps;

  // The row estimate only picks a plan, and filtered counts change slowly: it is cached per
  // (embedder, filter) like the table size, so a repeated filter costs no planning query.
  const estimateRows = async (client: PoolClient, filter: IncidentFilterSql, embedder: string) => {
    const planned = await getPlannedRows(client, filter, embedder);
    if (config.exactScanMaxRows === 0 || planned > COUNT_BAND * config.exactScanMaxRows) {
      return planned;
    }
    const cap = config.exactScanMaxRows + 1;
    const counted = await countFilteredRowsUpTo(client, filter, embedder, cap);
    return counted > config.exactScanMaxRows ? Math.max(planned, counted) : counted;
  };
  const estimate = async (client: PoolClient, filter: IncidentFilterSql, embedder: string) => {
    const total = (await deps.stats.get('incident_rows', () => getTotalIncidentRows(client))).value;
    const key = JSON.stringify(['rows', embedder, filter]);
    const rows = (await deps.stats.get(key, () => estimateRows(client, filter, embedder))).value;
    return { rows, total };
  };

  return async function searchSimilarIncidents(
    req: SearchSimilarIncidentsRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const query = queryOf(req);
    const filter = incidentFilterOf(req.filter);
    const minSimilarity = checkNumber('min_similarity', req.minSimilarity, 0, 1);
    const limit = countOrDefault('limit', req.limit, 10, 100);
    const accuracy =
      req.accuracy === undefined ? undefined : checkNumber('accuracy', req.accuracy, 0.5, 1);
    const efSearch = Math.min(
      MAX_EF_SEARCH,
      Math.max(limit, accuracy === undefined ? config.defaultEfSearch : efSearchFor(accuracy)),
    );

    let vector = query.vector;
    let embedder = query.embedder;
    if (query.text !== undefined) {
      const [embedded] = await deps.embedder.embed([query.text], ctx.signal);
      vector = embedded;
      embedder = deps.embedder.name;
    }

    const routed = await deps.router.read(
      {
        deadline: ctx,
        settings: { 'hnsw.ef_search': String(efSearch), 'hnsw.iterative_scan': 'relaxed_order' },
      },
      async (client) => {
        if (query.incidentId !== undefined) {
          const found = await maybeGetIncidentVector(client, query.incidentId);
          if (!found) throw notFound(`incident ${query.incidentId}`);
          vector = found.embedding;
          embedder = found.embedder;
        }
        const est = await estimate(client, filter, embedder!);
        const plan: SearchPlan = choosePlan({
          estimatedRows: est.rows,
          totalRows: est.total,
          accuracy,
          limit,
          exactMaxRows: config.exactScanMaxRows,
          defaultEfSearch: efSearch,
        });
        const rows = await listSimilarIncidents(client, {
          vector: vector!,
          embedder: embedder!,
          filter,
          excludeId: query.incidentId,
          limit,
          maxDistance: 1 - minSimilarity,
          method: plan.method,
        });
        if (rows.length === 0 && !(await embedderHasRows(client, embedder!))) {
          const stored = await listStoredEmbedders(client);
          throw failedPrecondition(
            `no incidents are embedded by "${embedder}"; vectors of different embedders are not comparable` +
              (stored.length ? ` (stored: ${stored.join(', ')})` : ''),
          );
        }
        return { rows, plan };
      },
    );
    const { rows, plan } = routed.value;
    return {
      results: rows.map((r) => {
        const request = r.request as Row | null;
        const workflow = r.workflow as Row | null;
        return {
          incident: toIncident(r, 'ie_'),
          similarity: 1 - Number(r.distance),
          request: request ? toRemediationRequest(request) : undefined,
          workflow: workflow ? toWorkflowExecution(workflow) : undefined,
          outcome: outcomeOf(request?.phase as string | null, workflow?.phase as string | null),
        };
      }),
      plan: {
        method: plan.method,
        efSearch: plan.efSearch,
        estimatedSelectivity: plan.selectivity,
      },
      readInfo: readInfoOf(ctx, routed),
    };
  };
}
