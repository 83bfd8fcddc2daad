import { describe, expect, it } from 'vitest';
import { klBernoulli, recallLowerBound } from './recall-bound.js';

describe('recall lower bound', () => {
  it('is (1 - confidence)^(1/n) for a perfect sample', () => {
    expect(recallLowerBound(1, 24, 0.95)).toBeCloseTo(0.05 ** (1 / 24), 9);
    // 24 perfect queries say little: below 0.9, far from the 0.996 their mean claimed.
    expect(recallLowerBound(1, 24, 0.95)).toBeLessThan(0.9);
    // 149 perfect queries are what it takes to claim 0.98 at 95%.
    expect(recallLowerBound(1, 148, 0.95)).toBeLessThan(0.98);
    expect(recallLowerBound(1, 149, 0.95)).toBeGreaterThanOrEqual(0.98);
  });

  it('solves n KL(loss, 1 - bound) = ln(1 / (1 - confidence)) below the sample mean', () => {
    const b = recallLowerBound(0.99, 400, 0.95);
    expect(b).toBeLessThan(0.99);
    expect(400 * klBernoulli(0.01, 1 - b)).toBeCloseTo(Math.log(20), 6);
  });

  it('tightens with the sample size and loosens with the confidence', () => {
    expect(recallLowerBound(0.99, 1000, 0.95)).toBeGreaterThan(recallLowerBound(0.99, 100, 0.95));
    expect(recallLowerBound(0.99, 100, 0.99)).toBeLessThan(recallLowerBound(0.99, 100, 0.8));
  });

  it('holds on a population with a rare total miss (coverage by simulation)', () => {
    // One query in 40 gets recall 0, the rest 1 (the clustered bench at ef 100): true mean 0.975.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let wrong = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      let sum = 0;
      for (let q = 0; q < 50; q++) sum += random() < 1 / 40 ? 0 : 1;
      if (recallLowerBound(sum / 50, 50, 0.95) > 0.975) wrong++;
    }
    expect(wrong / trials).toBeLessThanOrEqual(0.05);
  });

  it('says nothing without a sample and is 0 at recall 0', () => {
    expect(recallLowerBound(1, 0, 0.95)).toBe(0);
    expect(recallLowerBound(0, 10, 0.95)).toBe(0);
  });
});
