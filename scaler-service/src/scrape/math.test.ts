import { describe, expect, it } from 'vitest';
import {
  type CounterPoint,
  counterIncrease,
  counterRate,
  histogramQuantile,
  parseBound,
  pushCounter,
} from './math.js';

const b = (pairs: [number, number][]) =>
  pairs.map(([upperBound, count]) => ({ upperBound, count }));
const INF = Number.POSITIVE_INFINITY;

describe('counter rate over the window (fake clock: times are arguments)', () => {
  it('is the increase over the observed span per second', () => {
    const p: CounterPoint[] = [];
    for (let i = 0; i <= 4; i++) pushCounter(p, 1000 * i, 10 * i, 60_000);
    expect(counterRate(p)).toBeCloseTo(10);
  });

  it('counts a reset as an increase of the new value (restart counts from 0)', () => {
    const p: CounterPoint[] = [];
    // 100 -> 130 (+30), restart -> 5 (+5), -> 25 (+20): 55 over 3 s.
    for (const [i, v] of [100, 130, 5, 25].entries()) pushCounter(p, 1000 * i, v, 60_000);
    expect(counterIncrease(p)).toEqual({ increase: 55, spanMs: 3000 });
    expect(counterRate(p)).toBeCloseTo(55 / 3);
  });

  it('keeps only the window: old points leave, the rate follows the recent load', () => {
    const p: CounterPoint[] = [];
    let v = 0;
    for (let t = 0; t <= 20_000; t += 1000) {
      v += t <= 10_000 ? 100 : 10; // 100/s, then 10/s
      pushCounter(p, t, v, 5000);
    }
    expect(p[0]!.t).toBe(15_000);
    expect(counterRate(p)).toBeCloseTo(10);
  });

  it('needs two points; ignores out-of-order and duplicate scrapes', () => {
    const p: CounterPoint[] = [];
    pushCounter(p, 1000, 5, 60_000);
    expect(counterRate(p)).toBeUndefined();
    pushCounter(p, 1000, 7, 60_000);
    pushCounter(p, 500, 9, 60_000);
    expect(p).toHaveLength(1);
  });

  it('bounds the points kept', () => {
    const p: CounterPoint[] = [];
    for (let i = 0; i < 1000; i++) pushCounter(p, i, i, 3_600_000, 64);
    expect(p).toHaveLength(64);
    expect(counterRate(p)).toBeCloseTo(1000);
  });
});

describe('histogram_quantile semantics (prometheus promql/testdata/histograms.test)', () => {
  // testhistogram_bucket: rates proportional to 5, 7, 11, 12 (start="positive")
  // and 1, 2, 2, 3 (start="negative"); expected values from that file.
  const positive = b([
    [0.1, 5],
    [0.2, 7],
    [1, 11],
    [INF, 12],
  ]);
  const negative = b([
    [-0.2, 1],
    [-0.1, 2],
    [0.3, 2],
    [INF, 3],
  ]);
  it.each([
    [0, positive, 0],
    [0.2, positive, 0.048],
    [0.5, positive, 0.15],
    [0.8, positive, 0.72],
    [1, positive, 1],
    [0.2, negative, -0.2],
    [0.5, negative, -0.15],
    [0.8, negative, 0.3],
  ])('q=%s -> %s', (q, buckets, want) => {
    expect(histogramQuantile(q, buckets)).toBeCloseTo(want as number, 10);
  });

  it('q outside [0, 1] is -Inf/+Inf; no +Inf bucket, one bucket or no observations is NaN', () => {
    expect(histogramQuantile(-0.1, positive)).toBe(Number.NEGATIVE_INFINITY);
    expect(histogramQuantile(1.1, positive)).toBe(INF);
    expect(
      histogramQuantile(
        0.5,
        b([
          [0.1, 5],
          [1, 7],
        ]),
      ),
    ).toBeNaN();
    expect(histogramQuantile(0.5, b([[INF, 7]]))).toBeNaN();
    expect(
      histogramQuantile(
        0.5,
        b([
          [0.1, 0],
          [INF, 0],
        ]),
      ),
    ).toBeNaN();
  });

  it('sorts buckets, merges equal bounds and forces monotonic counts', () => {
    const shuffled = b([
      [INF, 12],
      [1, 11],
      [0.1, 5],
      [0.2, 7],
    ]);
    expect(histogramQuantile(0.5, shuffled)).toBeCloseTo(0.15);
    // Two series summed by le give equal bounds twice: merged.
    const twice = b([
      [0.1, 2],
      [0.1, 3],
      [0.2, 7],
      [1, 11],
      [INF, 12],
    ]);
    expect(histogramQuantile(0.5, twice)).toBeCloseTo(0.15);
    // A bucket below its predecessor (scrape race) is lifted to it.
    const dip = b([
      [0.1, 5],
      [0.2, 4],
      [1, 11],
      [INF, 12],
    ]);
    // Lifted to 5, 5, 11, 12: rank 6 falls in (0.2, 1] with 1 of 6 (unlifted it would be 2 of 7).
    expect(histogramQuantile(0.5, dip)).toBeCloseTo(0.2 + 0.8 / 6, 10);
  });

  it('a rank in the +Inf bucket returns the highest finite bound', () => {
    expect(
      histogramQuantile(
        0.99,
        b([
          [0.1, 1],
          [0.5, 2],
          [INF, 10],
        ]),
      ),
    ).toBe(0.5);
  });

  it('parses le spellings', () => {
    expect(parseBound('+Inf')).toBe(INF);
    expect(parseBound('1e0')).toBe(1);
    expect(parseBound('.2')).toBe(0.2);
    expect(parseBound('x')).toBeNaN();
  });
});
