import { scaler } from '@autoserve/proto';
import { recordScrape } from '@autoserve/runtime';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Logger } from 'pino';
import { MAX_BATCH } from '../ingest/batch-encoder.js';
import type { MetricsIngest } from '../ingest/ingest.js';
import { Semaphore } from '../ingest/semaphore.js';
import type { Db } from '../queries/db.js';
import { listScrapeTargets, type ScrapeTarget } from '../queries/scrape-targets.js';
import { metricTypeCodec } from '../validation/enums.js';
import type { ScrapeConfig } from './config.js';
import { type FetchResult, type FetchTarget, fetchExposition } from './fetch.js';
import { type InstanceSeriesState, mapScrape, newInstanceState } from './map-series.js';
import { parseExposition, seriesNamesOf } from './parse.js';

/** Counters of the scraper's work, for logs, tests and the bench. */
export interface ScrapeStats {
  scrapes: number;
  failures: number;
  samples: number;
  /** Batches handed to ingest and samples it refused (e.g. the app was deleted meanwhile). */
  batches: number;
  dropped: number;
}

export interface Scraper {
  /** Starts due scrapes and flushes samples once (the timer calls it; tests may too). */
  tick(): Promise<void>;
  /** Waits for every scrape in flight and the last flush. */
  idle(): Promise<void>;
  stats(): ScrapeStats;
  stop(): Promise<void>;
}

interface Entry {
  nextAt: number;
  inFlight: Promise<void> | undefined;
  state: InstanceSeriesState;
  /** Series the source reads: other lines are skipped before parsing. */
  names: Set<string>;
  failing: boolean;
  /** Mapping problems last logged, so a lasting one is logged once. */
  problems: string;
}

/** Most samples waiting for a flush (memory bound while the database is slow). */
const MAX_PENDING = 5 * MAX_BATCH;

/** Time between target-list queries (instances come and go at the control loop's pace). */
const LIST_EVERY_MS = 1000;

/**
 * Scrapes the /metrics of every healthy instance of apps with a metrics
 * source, on each app's interval, at most `concurrency` at once, and feeds
 * the mapped values into the same ingest path as the RPCs (validation, one
 * binary COPY per flush). Only the control-loop leader scrapes, so several
 * Scalers do not store every sample twice; a follower keeps no state. A
 * failed scrape is logged on the transition and leaves a gap, never a zero.
 */
export function startScraper(deps: {
  db: Db;
  ingest: Pick<MetricsIngest, 'ingest'>;
  log: Logger;
  config: ScrapeConfig;
  isLeader: () => boolean;
  now?: () => number;
  fetch?: (t: FetchTarget) => Promise<FetchResult>;
}): Scraper {
  const now = deps.now ?? Date.now;
  const fetch = deps.fetch ?? fetchExposition;
  const log = deps.log.child({ component: 'scrape' });
  const slots = new Semaphore(deps.config.concurrency);
  const entries = new Map<number, Entry>();
  const stats: ScrapeStats = { scrapes: 0, failures: 0, samples: 0, batches: 0, dropped: 0 };
  let targets: ScrapeTarget[] = [];
  let listedAt = Number.NEGATIVE_INFINITY;
  let pending: scaler.MetricSample[] = [];
  let flushing: Promise<void> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();

  const fail = (t: ScrapeTarget, e: Entry, error: string, started: number) => {
    stats.failures++;
    recordScrape(false, (now() - started) / 1000);
    if (!e.failing) log.warn({ app: t.app_name, instance_id: t.id, error }, 'scrape failed');
    e.failing = true;
  };

  const scrapeOne = async (t: ScrapeTarget, e: Entry) => {
    const release = await slots.acquire();
    try {
      const at = now();
      const r = await fetch({
        host: t.ip,
        port: t.source.port ?? t.port,
        path: t.source.path,
        timeoutMs: t.source.timeout_ms,
        maxBytes: deps.config.maxBodyBytes,
      });
      stats.scrapes++;
      if (!r.ok) return fail(t, e, r.error, at);
      let mapped: ReturnType<typeof mapScrape>;
      try {
        mapped = mapScrape(parseExposition(r.body, e.names), t.source, e.state, at);
      } catch (err) {
        return fail(t, e, `unparsable exposition: ${(err as Error).message.slice(0, 200)}`, at);
      }
      const problems = mapped.errors.join('; ');
      if (problems !== e.problems && problems !== '') {
        log.warn({ app: t.app_name, instance_id: t.id, errors: mapped.errors }, 'scrape mapping');
      }
      e.problems = problems;
      recordScrape(true, (now() - at) / 1000);
      if (e.failing) log.info({ app: t.app_name, instance_id: t.id }, 'scrape recovered');
      e.failing = false;
      const time = { seconds: BigInt(Math.floor(at / 1000)), nanos: (at % 1000) * 1_000_000 };
      for (const v of mapped.values) {
        // The database cannot keep up (or is down): the oldest samples go first.
        if (pending.length >= MAX_PENDING) stats.dropped += pending.splice(0, MAX_BATCH).length;
        pending.push(
          create(scaler.MetricSampleSchema, {
            appName: t.app_name,
            instanceId: BigInt(t.id),
            metricType: metricTypeCodec.fromDb(v.metricType),
            value: v.value,
            time,
            labels: { source: 'scrape' },
          }),
        );
      }
    } finally {
      release();
    }
  };

  const deadline = { timeoutMs: () => 10_000 };
  const store = async (batch: scaler.MetricSample[]) => {
    stats.batches++;
    await deps.ingest.ingest(batch, deadline);
    stats.samples += batch.length;
  };

  /** One COPY for everything pending; if the batch is refused, one per app, dropping the refused. */
  const flush = async () => {
    while (pending.length > 0) {
      const batch = pending.splice(0, MAX_BATCH);
      try {
        await store(batch);
      } catch (err) {
        // One app's bad value (e.g. a gauge above 100 mapped to a percent type) or a
        // deleted app must not cost the other apps their samples: retry per app.
        if (!(err instanceof ConnectError) || err.code === Code.Internal) {
          stats.dropped += batch.length;
          log.warn({ err, samples: batch.length }, 'storing scraped samples failed');
          continue;
        }
        const byApp = new Map<string, scaler.MetricSample[]>();
        for (const s of batch) {
          const list = byApp.get(s.appName);
          if (list) list.push(s);
          else byApp.set(s.appName, [s]);
        }
        for (const [app, samples] of byApp) {
          await store(samples).catch((e: unknown) => {
            stats.dropped += samples.length;
            log.info({ app, err: (e as Error).message }, 'scraped samples dropped');
          });
        }
      }
    }
  };

  const tick = async () => {
    if (!deps.isLeader()) {
      entries.clear();
      pending = [];
      listedAt = Number.NEGATIVE_INFINITY;
      return;
    }
    const t0 = now();
    if (t0 - listedAt >= LIST_EVERY_MS) {
      targets = await listScrapeTargets(deps.db);
      listedAt = t0;
      const live = new Set(targets.map((t) => t.id));
      for (const id of entries.keys()) if (!live.has(id)) entries.delete(id);
    }
    for (const t of targets) {
      let e = entries.get(t.id);
      if (!e || e.state.sourceKey !== JSON.stringify(t.source)) {
        e = {
          nextAt: t0,
          inFlight: undefined,
          state: newInstanceState(t.source),
          names: seriesNamesOf(t.source.series),
          failing: false,
          problems: '',
        };
        entries.set(t.id, e);
      }
      if (e.inFlight || t0 < e.nextAt) continue;
      // Next due one interval after this one was due: no drift from slow ticks.
      e.nextAt = Math.max(e.nextAt + t.source.interval_ms, t0);
      const entry = e;
      entry.inFlight = scrapeOne(t, entry)
        .catch((err: unknown) => log.warn({ err }, 'scrape error'))
        .finally(() => {
          entry.inFlight = undefined;
        });
    }
    if (pending.length > 0 && !flushing) {
      flushing = flush().finally(() => {
        flushing = undefined;
      });
    }
  };

  const loop = () => {
    ticking = tick()
      .catch((err: unknown) => log.warn({ err }, 'scrape tick failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, deps.config.tickMs);
      });
  };
  timer = setTimeout(loop, 0);

  const idle = async () => {
    await Promise.all([...entries.values()].map((e) => e.inFlight));
    await flushing;
    if (pending.length > 0) await flush();
  };

  return {
    tick,
    idle,
    stats: () => ({ ...stats }),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      await idle();
    },
  };
}
