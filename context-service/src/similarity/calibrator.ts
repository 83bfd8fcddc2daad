import {
  type Pool,
  type PoolClient,
  setSessionSettings,
  withReadSession,
} from '@autoserve/runtime';
import type { Logger } from 'pino';
import {
  listExactNearestIdsBatch,
  listLargestEmbedders,
  listNamespaceCounts,
  listNearestIds,
  type Neighbour,
  resetSessionSettings,
  sampleIncidentVectors,
} from '../queries/calibration.js';
import { getTotalIncidentRows, type IncidentFilterSql } from '../queries/similar.js';
import {
  type BandCurve,
  type BandName,
  bandOf,
  type CalibrationSet,
  curveOf,
  EF_LADDER,
  recallOf,
} from './calibration.js';
import { PLAN_SETTINGS } from './plan-settings.js';

export interface CalibratorOptions {
  /** Read-only replica pool (the calibration never runs on the primary). */
  pool: Pool;
  log: Logger;
  /** Between runs; 0 disables the background task (runOnce still works). */
  intervalMs: number;
  /** Most queries per scope (a band or a namespace). */
  samplePerBand: number;
  /**
   * Wall time per scope: the sample stops growing when it runs out. The stop depends on the
   * clock only, never on the recalls measured so far, so the bound needs no correction for it.
   */
  scopeBudgetMs: number;
  /** Confidence of the lower bound on mean recall the plan trusts (e.g. 0.95). */
  confidence: number;
  /** Namespaces per embedder calibrated on their own, the largest first. */
  maxNamespaces: number;
  /** Embedders calibrated (the largest by rows); bounds the work and the metric series. */
  maxEmbedders: number;
  /** Embedders (and namespaces) with at most this many rows are skipped: they scan exactly. */
  exactScanMaxRows: number;
  /** recall@k is measured at this k. */
  k: number;
  /** Statement timeout of each calibration statement. */
  statementTimeoutMs: number;
  /** Called with each new curve (metrics). */
  onCurve?: (embedder: string, curve: BandCurve) => void;
  now?: () => number;
  /** Deterministic noise for the perturbed queries (tests); Math.random otherwise. */
  random?: () => number;
}

/** The calibration the plan reads: curves per embedder, band and large namespace. */
export interface Calibrator {
  curves(embedder: string): CalibrationSet | undefined;
  /** One full run over the largest embedders; resolves when done (errors are logged). */
  runOnce(): Promise<void>;
  stop(): void;
}

interface Query {
  vector: number[];
  excludeId: bigint | undefined;
}

/** One thing calibrated: a band (namespaces taken in turn) or one namespace. */
interface Scope {
  band: BandName;
  namespace?: string;
  /** Filter of query i. */
  filter(i: number): IncidentFilterSql;
}

/** Queries whose exact answers one scan computes (calibration.ts: one detoast per row). */
const EXACT_BATCH = 16;

/**
 * The calibration session never runs parallel workers: it takes at most one core of the
 * replica, leaving the rest to callers (the exact scans would otherwise fan out).
 */
const LOW_PRIORITY = { max_parallel_workers_per_gather: '0', work_mem: '32MB' };

/**
 * The sample a curve is computed from: this run's per-query recalls, then earlier runs', newest
 * first, at most `max`. Each run adds what its time budget allowed, so the bound tightens run
 * after run at a fixed cost per run (at 100k x 1536 one 60 s run measured 240-400 unfiltered
 * queries, too few to claim 0.98 at a true 0.994); the queries of different runs are independent
 * draws, and when the data changes, newer queries push the older ones out.
 */
export function keepNewest(
  fresh: readonly number[][],
  older: readonly number[][] | undefined,
  max: number,
): number[][] {
  return [...fresh, ...(older ?? [])].slice(0, max);
}

/** A copy of v moved by Gaussian noise of relative size `scale` (a "fresh draw" near a row). */
function perturbed(v: number[], scale: number, random: () => number): number[] {
  const norm = Math.hypot(...v) || 1;
  const sigma = (scale * norm) / Math.sqrt(v.length);
  return v.map((x) => {
    // Box-Muller.
    const u = Math.max(random(), 1e-12);
    return x + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  });
}

/**
 * Measures the service's own recall in the background, on the replica, one statement at a time
 * on one pooled connection without parallel workers (so it never takes more than one slot and
 * one core from callers), bounded by a sample size and a wall-time budget per scope. Half the
 * queries are stored vectors (their own row excluded), half are perturbed copies, like callers'
 * queries: near-repeats and fresh incidents. Scopes: the embedder unfiltered; each selectivity
 * band, with that band's namespaces as filters in turn; and each of the largest namespaces on
 * its own, so a filter the plan sees often is judged by its own curve, not its band's.
 */
export function createCalibrator(o: CalibratorOptions): Calibrator {
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const byEmbedder = new Map<string, CalibrationSet>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;

  // Per-query recalls of earlier runs per scope, newest first (see keepNewest).
  const kept = new Map<string, number[][]>();

  /** Per-query recalls at each ef of EF_LADDER, as many queries as the scope's budget allows. */
  const measureScope = async (
    client: PoolClient,
    embedder: string,
    scope: Scope,
    queries: Query[],
  ): Promise<number[][]> => {
    const started = now();
    const recalls: number[][] = [];
    for (let at = 0; at < queries.length; at += EXACT_BATCH) {
      if (stopped || (recalls.length > 0 && now() - started >= o.scopeBudgetMs)) break;
      const batch = queries.slice(at, at + EXACT_BATCH);
      // One scan per filter in the batch (a band's queries rotate over its namespaces).
      const byFilter = new Map<string, number[]>();
      for (const j of batch.keys()) {
        const key = JSON.stringify(scope.filter(at + j));
        byFilter.set(key, [...(byFilter.get(key) ?? []), j]);
      }
      await setSessionSettings(client, PLAN_SETTINGS.exact);
      const exact: Neighbour[][] = [];
      for (const members of byFilter.values()) {
        const found = await listExactNearestIdsBatch(client, {
          vectors: members.map((j) => batch[j]!.vector),
          embedder,
          filter: scope.filter(at + members[0]!),
          limit: o.k + 1,
        });
        for (const [m, j] of members.entries()) {
          const skip = batch[j]!.excludeId?.toString();
          exact[j] = found[m]!.filter((x) => x.id !== skip).slice(0, o.k);
        }
      }
      const rows: number[][] = batch.map(() => []);
      for (const ef of EF_LADDER) {
        await setSessionSettings(client, {
          ...PLAN_SETTINGS.hnsw,
          'hnsw.ef_search': String(Math.max(ef, o.k)),
          'hnsw.iterative_scan': 'relaxed_order',
        });
        for (const [j, q] of batch.entries()) {
          const got = await listNearestIds(client, {
            ...q,
            filter: scope.filter(at + j),
            embedder,
            limit: o.k,
            method: 'hnsw',
          });
          rows[j]!.push(recallOf(got, exact[j]!));
        }
      }
      recalls.push(...rows);
    }
    return recalls;
  };

  // Bands are fractions of the whole table, as the plan computes them: the graph holds every
  // embedder's vectors, so even an unfiltered search of one embedder is a filtered graph walk.
  const calibrateEmbedder = async (
    client: PoolClient,
    embedder: string,
    rows: number,
    tableRows: number,
  ) => {
    const namespaces = [...(await listNamespaceCounts(client, embedder))].filter(
      ([, n]) => n > o.exactScanMaxRows,
    );
    const sample = await sampleIncidentVectors(client, embedder, o.samplePerBand, rows);
    const queries = sample.map((s, i): Query => {
      const fresh = i % 2 === 1;
      return {
        vector: fresh ? perturbed(s.embedding, 0.3, random) : s.embedding,
        excludeId: fresh ? undefined : BigInt(s.id),
      };
    });
    // Namespaces per band, among those the service would search with HNSW. A query gets its
    // band's namespaces in turn, not its own: a filter whose rows sit far from the query (a
    // namespace that is one cluster) is the hard case for a filtered graph walk, and a query
    // always filtered to its own neighbourhood would never meet it.
    const whole = bandOf(rows / tableRows);
    const byBand = new Map<BandName, string[]>();
    for (const [ns, n] of namespaces) {
      const band = bandOf(n / tableRows);
      if (band !== whole) byBand.set(band, [...(byBand.get(band) ?? []), ns]);
    }
    const scopes: Scope[] = [{ band: whole, filter: () => ({}) }];
    for (const [band, list] of byBand) {
      scopes.push({ band, filter: (i) => ({ namespace: list[(i >> 1) % list.length]! }) });
    }
    for (const [ns, n] of namespaces.slice(0, o.maxNamespaces)) {
      scopes.push({
        band: bandOf(n / tableRows),
        namespace: ns,
        filter: () => ({ namespace: ns }),
      });
    }
    const bands = new Map<BandName, BandCurve>();
    const own = new Map<string, BandCurve>();
    const keys = new Set<string>();
    for (const scope of scopes) {
      if (stopped) return;
      const key = JSON.stringify([embedder, scope.band, scope.namespace ?? null]);
      keys.add(key);
      const recalls = keepNewest(
        await measureScope(client, embedder, scope, queries),
        kept.get(key),
        o.samplePerBand,
      );
      kept.set(key, recalls);
      const curve = curveOf(scope.band, EF_LADDER, recalls, now(), o.confidence, scope.namespace);
      if (scope.namespace === undefined) bands.set(scope.band, curve);
      else own.set(scope.namespace, curve);
      o.onCurve?.(embedder, curve);
    }
    // Published whole: a plan never mixes this run's curves with the previous run's.
    byEmbedder.set(embedder, { bands, namespaces: own });
    for (const key of kept.keys()) {
      if (!keys.has(key) && JSON.parse(key)[0] === embedder) kept.delete(key);
    }
  };

  const runOnce = async () => {
    const started = now();
    try {
      await withReadSession(
        o.pool,
        { deadline: { timeoutMs: () => o.statementTimeoutMs }, settings: LOW_PRIORITY },
        async (client) => {
          try {
            const embedders = await listLargestEmbedders(client, o.maxEmbedders);
            const tableRows = Math.max(
              await getTotalIncidentRows(client),
              embedders.reduce((sum, e) => sum + e.n, 0),
            );
            for (const { embedder, n } of embedders) {
              if (stopped) return;
              if (n <= o.exactScanMaxRows) continue;
              await calibrateEmbedder(client, embedder, n, tableRows);
            }
          } finally {
            await resetSessionSettings(client);
          }
        },
      );
      o.log.info({ ms: now() - started }, 'recall calibration done');
    } catch (err) {
      o.log.warn({ err }, 'recall calibration failed; the plan keeps the previous calibration');
    }
  };

  const schedule = (delayMs: number) => {
    if (stopped || o.intervalMs === 0) return;
    timer = setTimeout(() => {
      running = runOnce().finally(() => {
        running = undefined;
        schedule(o.intervalMs);
      });
    }, delayMs);
    timer.unref();
  };
  // First run soon after start, so a fresh service calibrates before long.
  schedule(Math.min(o.intervalMs, 5_000));

  return {
    curves: (embedder) => byEmbedder.get(embedder),
    runOnce: () => running ?? runOnce(),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
