import type { IncidentFilter, QueryVector } from '@autoserve/proto/context/v1';
import {
  checkNumber,
  failedPrecondition,
  invalidArgument,
  notFound,
  type PoolClient,
  requiredText,
  setSessionSettings,
} from '@autoserve/runtime';
import type { Row } from '@autoserve/runtime/model';
import { durationOfSeconds } from '@autoserve/runtime/model';
import type { HandlerContext } from '@connectrpc/connect';
import {
  countFilteredRowsUpTo,
  embedderHasRows,
  getPlannedRows,
  getTotalIncidentRows,
  type IncidentFilterSql,
  listSimilarIncidents,
  listStoredEmbedders,
  maybeGetIncidentVector,
  similarIncidentsSql,
} from '../queries/similar.js';
import type { Routed } from '../read/router.js';
import { curveFor, effortFor } from '../similarity/calibration.js';
import { type CalibratedEffort, choosePlan, type SearchPlan } from '../similarity/plan.js';
import { PLAN_SETTINGS } from '../similarity/plan-settings.js';
import { incidentFilterOf } from '../validate/incident-filter.js';
import { queryVectorOf } from '../validate/vector.js';
import type { HandlerDeps } from './deps.js';

/** The `query` oneof SearchSimilarIncidents and SuggestRemediations share. */
export type QueryCase =
  | { case: 'vector'; value: QueryVector }
  | { case: 'text'; value: string }
  | { case: 'incidentId'; value: bigint }
  | { case: undefined; value?: undefined };

/** A nearest-neighbour request, as both RPCs phrase it. */
export interface NearestRequest {
  query: QueryCase;
  filter?: IncidentFilter | undefined;
  minSimilarity: number;
  accuracy?: number | undefined;
}

interface Query {
  vector?: ArrayLike<number>;
  embedder?: string;
  text?: string;
  incidentId?: bigint;
}

function queryOf(query: QueryCase): Query {
  switch (query.case) {
    case 'vector':
      return {
        vector: queryVectorOf('vector.values', query.value.values),
        embedder: requiredText('vector.embedder', query.value.embedder, 100),
      };
    case 'text':
      return { text: requiredText('text', query.value, 32_768) };
    case 'incidentId':
      if (query.value < 1n) throw invalidArgument('incident_id', 'must be >= 1');
      return { incidentId: query.value };
    default:
      throw invalidArgument('query', 'one of vector, text or incident_id is required');
  }
}

// Only counted when the planner's estimate is within this factor of the exact-scan bound:
// far above it, HNSW is right whatever the exact count; below it, the count is cheap.
const COUNT_BAND = 4;

/**
 * The nearest incidents to a query, with the plan chosen per query: validation of the query and
 * filter, embedding a text query, the row estimate behind the plan (cached per filter), the
 * routed read, and the "no vectors from this embedder" precondition. SearchSimilarIncidents
 * returns the rows; SuggestRemediations groups them.
 */
export function createNearestSearch(deps: HandlerDeps) {
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
  const rowsKey = (filter: IncidentFilterSql, embedder: string) =>
    JSON.stringify(['rows', embedder, filter]);
  const estimate = async (client: PoolClient, filter: IncidentFilterSql, embedder: string) => {
    const total = (await deps.stats.get('incident_rows', () => getTotalIncidentRows(client))).value;
    const key = rowsKey(filter, embedder);
    const rows = (await deps.stats.get(key, () => estimateRows(client, filter, embedder))).value;
    return { rows, total };
  };
  // The estimate when both figures are cached: the plan is then known before the read, and its
  // settings, the lag probe and the query go out in one round trip.
  const knownEstimate = (filter: IncidentFilterSql, embedder: string) => {
    const total = deps.stats.peek('incident_rows');
    const rows = total === undefined ? undefined : deps.stats.peek(rowsKey(filter, embedder));
    return rows === undefined ? undefined : { rows, total: total! };
  };

  // The planner settings each (embedder, filter) needed last time go out with the read's first
  // statement, so a repeated filter forces its plan without an extra round trip.
  const lastSettings = new Map<string, Record<string, string>>();
  const remember = (key: string, settings: Record<string, string>) => {
    if (lastSettings.size >= 1000) lastSettings.clear();
    lastSettings.set(key, settings);
  };
  // A filter that is exactly one namespace is judged by that namespace's own curve when it was
  // calibrated (a 10% namespace of random rows and a 4.5% namespace of one cluster sit in the
  // same band and need very different efforts); any other filter by its band's.
  const calibratedFor = (embedder: string, filter: IncidentFilterSql): CalibratedEffort => {
    const curves = deps.calibrator.curves(embedder);
    if (!curves) return () => undefined;
    const namespaceOnly = namespaceOnlyOf(filter);
    return (band, target) => {
      const curve = curveFor(curves, band, namespaceOnly);
      const choice = curve && effortFor(curve, target);
      return choice && curve
        ? {
            ...choice,
            namespace: curve.namespace,
            sampleSize: curve.sampleSize,
            measuredAt: curve.measuredAt,
          }
        : undefined;
    };
  };

  const planFor = (
    est: { rows: number; total: number },
    embedder: string,
    filter: IncidentFilterSql,
    accuracy: number | undefined,
    limit: number,
  ): SearchPlan =>
    choosePlan({
      estimatedRows: est.rows,
      totalRows: est.total,
      accuracy,
      limit,
      exactMaxRows: config.exactScanMaxRows,
      defaultEfSearch: config.defaultEfSearch,
      targetRecall: config.targetRecall,
      calibrated: calibratedFor(embedder, filter),
      exactFallbackMaxRows: config.exactFallbackMaxRows,
    });

  // No rows can mean a filter nothing matches, or an embedder nothing was stored by: the latter
  // is the caller's mistake, said precisely.
  const checkEmbedder = async (client: PoolClient, rows: Row[], embedder: string) => {
    if (rows.length > 0 || (await embedderHasRows(client, embedder))) return;
    const stored = await listStoredEmbedders(client);
    throw failedPrecondition(
      `no incidents are embedded by "${embedder}"; vectors of different embedders are not comparable` +
        (stored.length ? ` (stored: ${stored.join(', ')})` : ''),
    );
  };

  return async function nearest(
    req: NearestRequest,
    limit: number,
    ctx: HandlerContext,
  ): Promise<Routed<{ rows: Row[]; plan: SearchPlan }>> {
    const query = queryOf(req.query);
    const filter = incidentFilterOf(req.filter);
    const minSimilarity = checkNumber('min_similarity', req.minSimilarity, 0, 1);
    const accuracy =
      req.accuracy === undefined ? undefined : checkNumber('accuracy', req.accuracy, 0.5, 1);

    let vector = query.vector;
    let embedder = query.embedder;
    if (query.text !== undefined) {
      const [embedded] = await deps.embedder.embed([query.text], ctx.signal);
      vector = embedded;
      embedder = deps.embedder.name;
    }

    const known = vector && embedder !== undefined ? knownEstimate(filter, embedder) : undefined;
    if (known) {
      const plan = planFor(known, embedder!, filter, accuracy, limit);
      const similar = similarIncidentsSql({
        vector: vector!,
        embedder: embedder!,
        filter,
        limit,
        maxDistance: 1 - minSimilarity,
        method: plan.method,
      });
      return deps.router.read(
        { deadline: ctx, settings: { ...settingsOf(plan), ...ITERATIVE }, alongside: similar },
        async (client, alongside) => {
          const rows = alongside!.rows as Row[];
          await checkEmbedder(client, rows, embedder!);
          return { rows, plan };
        },
      );
    }

    // First sight of this filter (or a query by incident id): the estimate, then the plan, are
    // read on the connection, under the settings that filter needed last time.
    const planKey = JSON.stringify([embedder ?? query.incidentId?.toString(), filter, accuracy]);
    const guess =
      lastSettings.get(planKey) ?? settingsOf({ method: 'hnsw', efSearch: config.defaultEfSearch });
    return deps.router.read(
      { deadline: ctx, settings: { ...guess, ...ITERATIVE } },
      async (client) => {
        if (query.incidentId !== undefined) {
          const found = await maybeGetIncidentVector(client, query.incidentId);
          if (!found) throw notFound(`incident ${query.incidentId}`);
          vector = found.embedding;
          embedder = found.embedder;
        }
        const est = await estimate(client, filter, embedder!);
        const plan = planFor(est, embedder!, filter, accuracy, limit);
        const settings = settingsOf(plan);
        const changed = Object.entries(settings).filter(([k, v]) => guess[k] !== v);
        if (changed.length) await setSessionSettings(client, Object.fromEntries(changed));
        remember(planKey, settings);
        const rows = await listSimilarIncidents(client, {
          vector: vector!,
          embedder: embedder!,
          filter,
          excludeId: query.incidentId,
          limit,
          maxDistance: 1 - minSimilarity,
          method: plan.method,
        });
        await checkEmbedder(client, rows, embedder!);
        return { rows, plan };
      },
    );
  };
}

// Filtered HNSW scans continue past ef_search until LIMIT rows match (pgvector >= 0.8).
const ITERATIVE = { 'hnsw.iterative_scan': 'relaxed_order' };

/** The planner settings that make `plan` the plan Postgres runs. */
function settingsOf(plan: Pick<SearchPlan, 'method' | 'efSearch'>): Record<string, string> {
  return plan.method === 'hnsw'
    ? { ...PLAN_SETTINGS.hnsw, 'hnsw.ef_search': String(plan.efSearch) }
    : PLAN_SETTINGS.exact;
}

/** The namespace of a filter that has no other term; undefined otherwise. */
function namespaceOnlyOf(f: IncidentFilterSql): string | undefined {
  const terms = Object.entries(f).filter(
    ([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0),
  );
  return terms.length === 1 && terms[0]![0] === 'namespace' ? f.namespace : undefined;
}

/** The plan as the responses report it, with the calibration behind its effort. */
export function planToProto(plan: SearchPlan, now = Date.now()) {
  const c = plan.calibration;
  return {
    method: plan.method,
    efSearch: plan.efSearch,
    estimatedSelectivity: plan.selectivity,
    calibration: c && {
      band: c.band,
      targetRecall: c.target,
      measuredRecall: c.recall,
      recallLowerBound: c.lowerBound,
      confidence: c.confidence,
      namespace: c.namespace ?? '',
      targetMet: c.targetMet,
      efSearch: c.efSearch,
      sampleSize: c.sampleSize,
      age: durationOfSeconds(Math.max(0, (now - c.measuredAt) / 1000)),
    },
  };
}
