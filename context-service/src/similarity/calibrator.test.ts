import { describe, expect, it } from 'vitest';
import { curveOf } from './calibration.js';
import { keepNewest } from './calibrator.js';

describe('calibration sample across runs', () => {
  it('keeps the newest queries first, up to the cap', () => {
    const run1 = [[1], [2], [3]];
    const run2 = [[4], [5]];
    expect(keepNewest(run1, undefined, 4)).toEqual([[1], [2], [3]]);
    expect(keepNewest(run2, keepNewest(run1, undefined, 4), 4)).toEqual([[4], [5], [1], [2]]);
  });

  it('tightens the bound run after run at the same cost per run', () => {
    // 240 queries per run (a 60 s budget at 100k unfiltered), recall 0.994 at ef 1000.
    const run = Array.from({ length: 240 }, (_, q) => [q % 40 === 0 ? 0.76 : 1]);
    let sample = keepNewest(run, undefined, 1000);
    const first = curveOf('100%', [1000], sample, 0, 0.95).points[0]![3];
    for (let r = 0; r < 3; r++) sample = keepNewest(run, sample, 1000);
    const fourth = curveOf('100%', [1000], sample, 0, 0.95).points[0]![3];
    expect(sample).toHaveLength(960);
    expect(first).toBeLessThan(0.98);
    expect(fourth).toBeGreaterThanOrEqual(0.98);
  });
});
