import { describe, expect, it } from 'vitest';
import type { MetricsSourceJson } from '../validation/metrics-source.js';
import { mapScrape, newInstanceState } from './map-series.js';
import { matchesLabels } from './match.js';
import { parseExposition, seriesNamesOf } from './parse.js';

/** An exposition as prom-client writes it: TYPE lines, labelled histogram, no final newline. */
function exposition(n: {
  get: number;
  post: number;
  err: number;
  fast: number;
  slow: number;
  conns: number;
}) {
  const total = n.fast + n.slow;
  return [
    '# HELP http_requests_total Requests served.',
    '# TYPE http_requests_total counter',
    `http_requests_total{method="GET",code="200"} ${n.get}`,
    `http_requests_total{method="POST",code="200"} ${n.post}`,
    `http_requests_total{method="GET",code="500"} ${n.err}`,
    '# TYPE http_request_duration_seconds histogram',
    `http_request_duration_seconds_bucket{le="0.01",route="/work"} ${n.fast}`,
    `http_request_duration_seconds_bucket{le="0.1",route="/work"} ${n.fast}`,
    `http_request_duration_seconds_bucket{le="1",route="/work"} ${total}`,
    `http_request_duration_seconds_bucket{le="+Inf",route="/work"} ${total}`,
    `http_request_duration_seconds_sum{route="/work"} 1`,
    `http_request_duration_seconds_count{route="/work"} ${total}`,
    `http_request_duration_seconds_bucket{le="0.01",route="/healthz"} 1000`,
    `http_request_duration_seconds_bucket{le="+Inf",route="/healthz"} 1000`,
    '# TYPE http_open_connections gauge',
    `http_open_connections{server="a"} ${n.conns}`,
    `http_open_connections{server="b"} 1`,
  ].join('\n');
}

const source: MetricsSourceJson = {
  path: '/metrics',
  port: null,
  interval_ms: 1000,
  timeout_ms: 500,
  rate_window_ms: 10_000,
  series: [
    {
      metric_type: 'rps',
      series: 'http_requests_total',
      kind: 'counter',
      matchers: [{ name: 'code', value: '500', op: 'ne' }],
      scale: 1,
    },
    {
      metric_type: 'latency_p95',
      series: 'http_request_duration_seconds',
      kind: 'histogram',
      matchers: [{ name: 'route', value: '/work', op: 'eq' }],
      scale: 1000,
    },
    {
      metric_type: 'active_connections',
      series: 'http_open_connections',
      kind: 'gauge',
      matchers: [],
      scale: 1,
    },
  ],
};

describe('parseExposition (parse-prometheus-text-format, comments dropped)', () => {
  it('keeps every label of a labelled histogram and the last line without a newline', () => {
    const e = parseExposition(exposition({ get: 1, post: 2, err: 3, fast: 4, slow: 5, conns: 6 }));
    const buckets = e.get('http_request_duration_seconds_bucket')!;
    expect(buckets).toHaveLength(6);
    expect(buckets[0]).toEqual({ labels: { le: '0.01', route: '/work' }, value: 4 });
    expect(e.get('http_open_connections')!.map((s) => s.value)).toEqual([6, 1]);
    expect(e.get('http_requests_total')).toHaveLength(3);
  });

  it('with a name set, parses only those series (a histogram by its _bucket lines)', () => {
    const text = exposition({ get: 1, post: 2, err: 3, fast: 4, slow: 5, conns: 6 });
    const e = parseExposition(text, seriesNamesOf(source.series));
    expect([...e.keys()].sort()).toEqual([
      'http_open_connections',
      'http_request_duration_seconds_bucket',
      'http_requests_total',
    ]);
    expect(e.get('http_request_duration_seconds_bucket')).toEqual(
      parseExposition(text).get('http_request_duration_seconds_bucket'),
    );
    // A longer name sharing the prefix is another series.
    expect(
      parseExposition('http_requests_total_x 1\n', new Set(['http_requests_total'])).size,
    ).toBe(0);
  });

  it('leaves out values that are not numbers; throws on a malformed line', () => {
    expect(parseExposition('a 1\nb NaN\nc x\n').size).toBe(1);
    expect(() => parseExposition('a{b=c} 1\n')).toThrow();
  });
});

describe('label matchers', () => {
  it('= and != with an absent label reading as ""', () => {
    expect(matchesLabels({ a: '1' }, [{ name: 'a', value: '1', op: 'eq' }])).toBe(true);
    expect(matchesLabels({ a: '1' }, [{ name: 'a', value: '1', op: 'ne' }])).toBe(false);
    expect(matchesLabels({}, [{ name: 'a', value: '', op: 'eq' }])).toBe(true);
    expect(matchesLabels({}, [{ name: 'a', value: '1', op: 'ne' }])).toBe(true);
    expect(
      matchesLabels({ __proto__: 'x' } as Record<string, string>, [
        { name: 'toString', value: '', op: 'eq' },
      ]),
    ).toBe(true);
  });
});

describe('mapScrape (fake clock)', () => {
  it('first scrape: only the gauge (a rate needs two scrapes)', () => {
    const st = newInstanceState(source);
    const r = mapScrape(
      parseExposition(exposition({ get: 0, post: 0, err: 0, fast: 0, slow: 0, conns: 4 })),
      source,
      st,
      0,
    );
    expect(r.values).toEqual([{ metricType: 'active_connections', value: 5 }]);
  });

  it('rps = sum of the matching series rates; p95 from the bucket increases in ms; resets handled', () => {
    const st = newInstanceState(source);
    const at = (t: number, n: Parameters<typeof exposition>[0]) =>
      mapScrape(parseExposition(exposition(n)), source, st, t).values;
    at(0, { get: 100, post: 50, err: 1000, fast: 0, slow: 0, conns: 0 });
    // 2 s later: +40 GET, +20 POST (errors excluded): 30/s; 90 fast (<= 10 ms), 10 slow (0.1..1 s).
    const v = at(2000, { get: 140, post: 70, err: 5000, fast: 90, slow: 10, conns: 2 });
    const by = Object.fromEntries(v.map((x) => [x.metricType, x.value]));
    expect(by.rps).toBeCloseTo(30);
    // rank 95 of 100 falls in (0.1, 1] at 5 of 10: 0.1 + 0.9 * 0.5 = 0.55 s.
    expect(by.latency_p95).toBeCloseTo(550);
    expect(by.active_connections).toBe(3);
    // The app restarts: counters start again from small values; the rate stays positive.
    const after = at(4000, { get: 10, post: 10, err: 0, fast: 100, slow: 10, conns: 0 });
    const rps = after.find((x) => x.metricType === 'rps')!.value;
    // GET +40 then +10, POST +20 then +10 over 4 s.
    expect(rps).toBeCloseTo(80 / 4);
  });

  it('no requests in the window: no latency value, rps 0', () => {
    const st = newInstanceState(source);
    const n = { get: 5, post: 5, err: 0, fast: 3, slow: 1, conns: 0 };
    mapScrape(parseExposition(exposition(n)), source, st, 0);
    const v = mapScrape(parseExposition(exposition(n)), source, st, 1000).values;
    expect(v.find((x) => x.metricType === 'latency_p95')).toBeUndefined();
    expect(v.find((x) => x.metricType === 'rps')!.value).toBe(0);
  });

  it('a value that overflows when scaled is reported, not stored', () => {
    const st = newInstanceState(source);
    const big = { ...source, series: [{ ...source.series[2]!, scale: 1e9 }] };
    const r = mapScrape(
      parseExposition('http_open_connections 1e308\n'),
      big,
      newInstanceState(big),
      0,
    );
    expect(r.values).toEqual([]);
    expect(r.errors).toEqual(['http_open_connections: value out of range']);
    expect(st.mappings).toHaveLength(3);
  });

  it('a series that disappears is forgotten; a source change starts afresh', () => {
    const st = newInstanceState(source);
    mapScrape(parseExposition('http_requests_total{code="200"} 5\n'), source, st, 0);
    mapScrape(parseExposition('http_requests_total{code="201"} 5\n'), source, st, 1000);
    expect([...st.mappings[0]!.keys()]).toEqual(['code\u0000201']);
    expect(newInstanceState({ ...source, interval_ms: 2000 }).sourceKey).not.toBe(st.sourceKey);
  });
});
