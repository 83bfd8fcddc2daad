import type { scaler } from '@autoserve/proto';
import { Code, ConnectError } from '@connectrpc/connect';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScrapeTarget } from '../queries/scrape-targets.js';
import type { MetricsSourceJson } from '../validation/metrics-source.js';
import type { FetchTarget } from './fetch.js';
import { type Scraper, startScraper } from './scraper.js';

const source: MetricsSourceJson = {
  path: '/metrics',
  port: null,
  interval_ms: 1000,
  timeout_ms: 500,
  rate_window_ms: 4000,
  series: [
    { metric_type: 'rps', series: 'req_total', kind: 'counter', matchers: [], scale: 1 },
    { metric_type: 'active_connections', series: 'conns', kind: 'gauge', matchers: [], scale: 1 },
  ],
};
const target = (id: number, app = 'a', over: Partial<MetricsSourceJson> = {}): ScrapeTarget => ({
  id,
  app_name: app,
  ip: '127.0.0.1',
  port: 20000 + id,
  source: { ...source, ...over },
});

/** A scraper on a fake clock, fake target list, fake fetch and a recording ingest. */
function harness(opts: { targets: ScrapeTarget[]; concurrency?: number; leader?: () => boolean }) {
  let clock = 0;
  const fetched: FetchTarget[] = [];
  const stored: scaler.MetricSample[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let release: (() => void)[] = [];
  let hold = false;
  let missingApp: string | undefined;
  let badApp: string | undefined;
  const s: Scraper = startScraper({
    db: { query: async () => ({ rows: opts.targets }) } as never,
    ingest: {
      async ingest(batch) {
        if (missingApp && batch.some((x) => x.appName === missingApp))
          throw new ConnectError(`app "${missingApp}"`, Code.NotFound);
        if (badApp && batch.some((x) => x.appName === badApp))
          throw new ConnectError('samples[0].value: must be 0..100', Code.InvalidArgument);
        stored.push([...batch]);
        return batch.length;
      },
    },
    log: pino({ level: 'silent' }),
    config: {
      enabled: true,
      concurrency: opts.concurrency ?? 4,
      maxBodyBytes: 1024,
      tickMs: 60_000,
    },
    isLeader: opts.leader ?? (() => true),
    now: () => clock,
    fetch: async (t) => {
      fetched.push(t);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (hold) await new Promise<void>((r) => release.push(r));
      inFlight--;
      return { ok: true, body: `req_total ${clock / 10}\nconns 3\n` };
    },
  });
  return {
    s,
    fetched,
    stored,
    maxInFlight: () => maxInFlight,
    advance: (ms: number) => {
      clock += ms;
    },
    hold: (on: boolean) => {
      hold = on;
      if (!on) {
        for (const r of release) r();
        release = [];
      }
    },
    missing: (app: string) => {
      missingApp = app;
    },
    bad: (app: string) => {
      badApp = app;
    },
  };
}

let current: Scraper | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe('scraper (fake clock, fake fetch)', () => {
  it('scrapes each instance on its interval, on its own address and port; rps after two scrapes', async () => {
    const h = harness({ targets: [target(1), target(2, 'b', { port: 9100, path: '/m' })] });
    current = h.s;
    await h.s.idle();
    await h.s.tick(); // same instant: nothing is due again
    await h.s.idle();
    expect(h.fetched.map((f) => `${f.host}:${f.port}${f.path}`)).toEqual([
      '127.0.0.1:20001/metrics',
      '127.0.0.1:9100/m',
    ]);
    h.advance(1000);
    await h.s.tick();
    await h.s.idle();
    expect(h.fetched).toHaveLength(4);
    const all = h.stored.flat();
    // First round: gauges only; second: gauge and rps (100 per second on the fake clock).
    expect(all.filter((x) => x.metricType === 4).map((x) => [x.instanceId, x.value])).toEqual([
      [1n, 100],
      [2n, 100],
    ]);
    expect(all.every((x) => x.labels.source === 'scrape')).toBe(true);
  });

  it('never runs more than `concurrency` fetches at once', async () => {
    const h = harness({
      targets: Array.from({ length: 10 }, (_, i) => target(i + 1)),
      concurrency: 3,
    });
    current = h.s;
    h.hold(true);
    await h.s.tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(h.maxInFlight()).toBe(3);
    h.hold(false);
    await h.s.idle();
    expect(h.fetched).toHaveLength(10);
    expect(h.maxInFlight()).toBe(3);
  });

  it('a follower scrapes nothing', async () => {
    const h = harness({ targets: [target(1)], leader: () => false });
    current = h.s;
    await h.s.tick();
    await h.s.idle();
    expect(h.fetched).toHaveLength(0);
  });

  it('samples of an app deleted meanwhile are dropped; the others are stored', async () => {
    const h = harness({ targets: [target(1, 'gone'), target(2, 'kept')] });
    current = h.s;
    h.missing('gone');
    await h.s.idle();
    await h.s.tick();
    await h.s.idle();
    expect(h.stored.flat().map((x) => x.appName)).toEqual(['kept']);
    expect(h.s.stats().dropped).toBe(1);
  });

  it('samples one app makes invalid (a bad value) do not cost other apps theirs', async () => {
    const h = harness({ targets: [target(1, 'kept'), target(2, 'bad')] });
    current = h.s;
    h.bad('bad');
    await h.s.idle();
    await h.s.tick();
    await h.s.idle();
    expect(h.stored.flat().map((x) => x.appName)).toEqual(['kept']);
  });
});
