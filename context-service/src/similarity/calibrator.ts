import {
  type Pool,
  type PoolClient,
  setSessionSettings,
  withReadSession,
} from '@autoserve/runtime';
import type { Logger } from 'pino';
import {
  listLargestEmbedders,
  listNamespaceCounts,
  listNearestIds,
  type Neighbour,
  sampleIncidentVectors,
} from '../queries/calibration.js';
import { getTotalIncidentRows, type IncidentFilterSql } from '../queries/similar.js';
import {
  type BandCurve,
  type BandName,
  bandOf,
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
  /** Queries per band. */
  samplePerBand: number;
  /** Embedders calibrated (the largest by rows); bounds the work and the metric series. */
  maxEmbedders: number;
  /** Embedders with at most this many rows are skipped: their searches are exact scans. */
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

/** The calibration the plan reads: curves per embedder and band. */
export interface Calibrator {
  curves(embedder: string): ReadonlyMap<BandName, BandCurve> | undefined;
  /** One full run over the largest embedders; resolves when done (errors are logged). */
  runOnce(): Promise<void>;
  stop(): void;
}

interface Query {
  vector: number[];
  filter: IncidentFilterSql;
  excludeId: bigint | undefined;
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
 * on one pooled connection (so it never takes more than one slot from callers), bounded by the
 * sample size and a statement timeout. Half the queries of a band are stored vectors (their own
 * row excluded), half are perturbed copies, like callers' queries: near-repeats and fresh
 * incidents. Filtered bands use the sampled row's namespace as the filter, so the band's
 * selectivity is real for this data.
 */
export function createCalibrator(o: CalibratorOptions): Calibrator {
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const byEmbedder = new Map<string, Map<BandName, BandCurve>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;

  const topK = async (client: PoolClient, embedder: string, q: Query, method: 'exact' | 'hnsw') =>
    listNearestIds(client, { ...q, embedder, limit: o.k, method });

  const measureBand = async (
    client: PoolClient,
    embedder: string,
    band: BandName,
    queries: Query[],
  ): Promise<BandCurve> => {
    await setSessionSettings(client, PLAN_SETTINGS.exact);
    const exact: Neighbour[][] = [];
    for (const q of queries) exact.push(await topK(client, embedder, q, 'exact'));
    const recalls: number[][] = queries.map(() => []);
    const efs: number[] = [];
    for (const ef of EF_LADDER) {
      if (stopped) break;
      await setSessionSettings(client, {
        ...PLAN_SETTINGS.hnsw,
        'hnsw.ef_search': String(Math.max(ef, o.k)),
        'hnsw.iterative_scan': 'relaxed_order',
      });
      for (const [i, q] of queries.entries()) {
        recalls[i]!.push(recallOf(await topK(client, embedder, q, 'hnsw'), exact[i]!));
      }
      efs.push(ef);
      // Beyond full recall on every query a larger ef only costs time.
      if (recalls.every((r) => r[r.length - 1] === 1)) break;
    }
    return curveOf(band, efs, recalls, now());
  };

  // Bands are fractions of the whole table, as the plan computes them: the graph holds every
  // embedder's vectors, so even an unfiltered search of one embedder is a filtered graph walk.
  const calibrateEmbedder = async (
    client: PoolClient,
    embedder: string,
    rows: number,
    tableRows: number,
  ) => {
    const namespaces = await listNamespaceCounts(client, embedder);
    const sample = await sampleIncidentVectors(client, embedder, o.samplePerBand * 4, rows);
    const bands = new Map<BandName, Query[]>();
    const add = (band: BandName, q: Query) => {
      const list = bands.get(band) ?? [];
      if (list.length < o.samplePerBand) list.push(q);
      bands.set(band, list);
    };
    // Namespaces per band, among those the service would search with HNSW. A query gets its
    // band's namespaces in turn, not its own: a filter whose rows sit far from the query (a
    // namespace that is one cluster) is the hard case for a filtered graph walk, and a query
    // always filtered to its own neighbourhood would never meet it.
    const whole = bandOf(rows / tableRows);
    const byBand = new Map<BandName, string[]>();
    for (const [ns, n] of [...namespaces].sort((a, b) => b[1] - a[1])) {
      const band = bandOf(n / tableRows);
      if (band === whole || n <= o.exactScanMaxRows) continue;
      byBand.set(band, [...(byBand.get(band) ?? []), ns]);
    }
    for (const [i, s] of sample.entries()) {
      const fresh = i % 2 === 1;
      const vector = fresh ? perturbed(s.embedding, 0.3, random) : s.embedding;
      const excludeId = fresh ? undefined : BigInt(s.id);
      add(whole, { vector, filter: {}, excludeId });
      for (const [band, list] of byBand) {
        add(band, { vector, filter: { namespace: list[(i >> 1) % list.length]! }, excludeId });
      }
    }
    const curves = new Map<BandName, BandCurve>();
    for (const [band, queries] of bands) {
      if (stopped) return;
      const curve = await measureBand(client, embedder, band, queries);
      curves.set(band, curve);
      o.onCurve?.(embedder, curve);
    }
    byEmbedder.set(embedder, curves);
  };

  const runOnce = async () => {
    const started = now();
    try {
      await withReadSession(
        o.pool,
        { deadline: { timeoutMs: () => o.statementTimeoutMs } },
        async (client) => {
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
