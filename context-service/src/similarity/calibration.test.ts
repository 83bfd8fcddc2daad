import { describe, expect, it } from 'vitest';
import { bandOf, curveForBand, curveOf, effortFor, recallOf } from './calibration.js';

describe('calibration', () => {
  it('bands selectivities', () => {
    expect(bandOf(1)).toBe('100%');
    expect(bandOf(0.5)).toBe('100%');
    expect(bandOf(0.2)).toBe('10-50%');
    expect(bandOf(0.01)).toBe('1-10%');
    expect(bandOf(0.001)).toBe('<1%');
  });

  it('measures recall against the exact answer, counting ties at the k-th distance as hits', () => {
    const at = (id: string, distance: number) => ({ id, distance });
    const exact = [at('a', 0.1), at('b', 0.2), at('c', 0.3)];
    expect(recallOf([at('a', 0.1), at('b', 0.2), at('x', 0.5)], exact)).toBeCloseTo(2 / 3, 10);
    // 'c2' is an exact copy of 'c': as good an answer.
    expect(recallOf([at('a', 0.1), at('b', 0.2), at('c2', 0.3)], exact)).toBe(1);
    expect(recallOf([], [])).toBe(1);
  });

  it('picks the smallest ef that reaches the target, or the largest with targetMet false', () => {
    const curve = curveOf(
      '100%',
      [10, 40, 100, 400],
      [
        [0.5, 0.8, 0.97, 1],
        [0.7, 0.9, 1, 1],
      ],
      0,
    );
    expect(curve.points[2]).toEqual([100, 0.985, 0.97]);
    expect(effortFor(curve, 0.98)).toEqual({ efSearch: 100, recall: 0.985, targetMet: true });
    expect(effortFor(curve, 0.5)).toEqual({ efSearch: 10, recall: 0.6, targetMet: true });
    const low = curveOf('1-10%', [10, 40], [[0.2, 0.6]], 0);
    expect(effortFor(low, 0.98)).toEqual({ efSearch: 40, recall: 0.6, targetMet: false });
  });

  it('falls back to the nearest broader band', () => {
    const c = curveOf('100%', [10], [[1]], 0);
    const curves = new Map([['100%', c] as const]);
    expect(curveForBand(curves, '1-10%')).toBe(c);
    expect(curveForBand(new Map(), '100%')).toBeUndefined();
  });
});
