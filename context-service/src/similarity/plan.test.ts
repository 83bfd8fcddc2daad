import { Outcome } from '@autoserve/proto/context/v1';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { outcomeOf } from './outcome.js';
import { choosePlan, EF_FOR_RECALL, efSearchFor, MAX_EF_SEARCH } from './plan.js';

const base = {
  totalRows: 100_000,
  accuracy: undefined,
  limit: 10,
  exactMaxRows: 5000,
  defaultEfSearch: 100,
};

describe('similarity plan', () => {
  it('scans exactly when the filters are selective or accuracy 1 is asked for', () => {
    expect(choosePlan({ ...base, estimatedRows: 100 })).toEqual({
      method: 'exact',
      efSearch: 0,
      selectivity: 0.001,
    });
    expect(choosePlan({ ...base, estimatedRows: 5000 }).method).toBe('exact');
    expect(choosePlan({ ...base, estimatedRows: 100_000, accuracy: 1 }).method).toBe('exact');
  });

  it('uses HNSW with the default or accuracy-derived ef_search otherwise', () => {
    expect(choosePlan({ ...base, estimatedRows: 100_000 })).toEqual({
      method: 'hnsw',
      efSearch: 100,
      selectivity: 1,
    });
    expect(choosePlan({ ...base, estimatedRows: 50_000, accuracy: 0.5 }).efSearch).toBe(
      EF_FOR_RECALL[0]![1],
    );
    expect(choosePlan({ ...base, estimatedRows: 50_000, accuracy: 0.5, limit: 80 }).efSearch).toBe(
      80,
    );
  });

  it("takes ef_search from the calibration of the filter's band when there is one", () => {
    const asked: [string, number][] = [];
    const claim = { lowerBound: 0.981, confidence: 0.95, sampleSize: 400, measuredAt: 1 };
    const calibrated = (band: string, target: number) => {
      asked.push([band, target]);
      return band === '10-50%'
        ? { efSearch: 400, recall: 0.995, targetMet: true, ...claim }
        : undefined;
    };
    const plan = choosePlan({ ...base, estimatedRows: 20_000, calibrated, targetRecall: 0.98 });
    expect(plan).toMatchObject({ method: 'hnsw', efSearch: 400 });
    expect(plan.calibration).toMatchObject({ band: '10-50%', target: 0.98, lowerBound: 0.981 });
    // A claim whose lower bound reaches the target is used as measured, below the default too.
    const cheap = () => ({ efSearch: 40, recall: 1, targetMet: true, ...claim });
    expect(choosePlan({ ...base, estimatedRows: 100_000, calibrated: cheap }).efSearch).toBe(40);
    // A claim short of the target never lowers the effort below the default.
    const short = () => ({ efSearch: 40, recall: 1, targetMet: false, ...claim, lowerBound: 0.9 });
    expect(choosePlan({ ...base, estimatedRows: 100_000, calibrated: short }).efSearch).toBe(100);
    // An explicit accuracy is the target; without a calibration the fallback table applies.
    const fallback = choosePlan({ ...base, estimatedRows: 100_000, accuracy: 0.95, calibrated });
    expect(asked.at(-1)).toEqual(['100%', 0.95]);
    expect(fallback.efSearch).toBe(efSearchFor(0.95));
    expect(fallback.calibration).toBeUndefined();
  });

  it('scans exactly when the calibration found no effort that reaches the target', () => {
    const missed = () => ({
      efSearch: 1000,
      recall: 0.4,
      lowerBound: 0.3,
      confidence: 0.95,
      targetMet: false,
      sampleSize: 24,
      measuredAt: 1,
    });
    const plan = choosePlan({
      ...base,
      estimatedRows: 4_300,
      exactMaxRows: 2_000,
      calibrated: missed,
      exactFallbackMaxRows: 200_000,
    });
    expect(plan).toMatchObject({ method: 'exact', efSearch: 0 });
    expect(plan.calibration).toMatchObject({ band: '1-10%', recall: 0.4, targetMet: false });
    // Too many rows to scan: the walk at its best effort, reported as short of the target.
    const big = choosePlan({
      ...base,
      estimatedRows: 90_000,
      calibrated: missed,
      exactFallbackMaxRows: 50_000,
    });
    expect(big).toMatchObject({ method: 'hnsw', efSearch: 1000 });
  });

  it('by default scans a 10% filter of 100k rows exactly when no effort reaches the target', () => {
    // The clustered family's 10% namespace: estimated at 10,030 rows, its own curve 0.92 at ef
    // 1000. With the old 10,000-row default it ran on the graph at recall 0.92.
    const { exactFallbackMaxRows, exactScanMaxRows } = loadConfig({
      CONTEXT_REPLICA_URL: 'postgres://autoserve_context@127.0.0.1:55433/autoserve',
      AUTH_DISABLED: 'true',
    });
    const plan = choosePlan({
      ...base,
      totalRows: 100_000,
      estimatedRows: 10_030,
      exactMaxRows: exactScanMaxRows,
      exactFallbackMaxRows,
      calibrated: () => ({
        efSearch: 1000,
        recall: 0.916,
        lowerBound: 0.892,
        confidence: 0.95,
        targetMet: false,
        sampleSize: 976,
        measuredAt: 1,
      }),
    });
    expect(plan.method).toBe('exact');
  });

  it('maps accuracy to ef_search monotonically within bounds', () => {
    let last = 0;
    for (let a = 0.5; a < 1; a += 0.001) {
      const ef = efSearchFor(a);
      expect(ef).toBeGreaterThanOrEqual(last);
      expect(ef).toBeLessThanOrEqual(MAX_EF_SEARCH);
      last = ef;
    }
    expect(efSearchFor(0.98)).toBe(100);
    expect(efSearchFor(0.9999)).toBe(MAX_EF_SEARCH);
  });

  it('treats an empty table as fully selective-free', () => {
    expect(choosePlan({ ...base, totalRows: 0, estimatedRows: 0 })).toMatchObject({
      method: 'exact',
      selectivity: 1,
    });
  });
});

describe('outcome', () => {
  it('reports failure first, then success, then work in progress', () => {
    expect(outcomeOf('Completed', 'Failed')).toBe(Outcome.FAILED);
    expect(outcomeOf('Failed', undefined)).toBe(Outcome.FAILED);
    expect(outcomeOf('Completed', 'Completed')).toBe(Outcome.SUCCEEDED);
    expect(outcomeOf('Completed', null)).toBe(Outcome.SUCCEEDED);
    expect(outcomeOf('Processing', 'Completed')).toBe(Outcome.IN_PROGRESS);
    expect(outcomeOf(null, 'Executing')).toBe(Outcome.IN_PROGRESS);
    expect(outcomeOf(null, 'Completed')).toBe(Outcome.SUCCEEDED);
    expect(outcomeOf(null, null)).toBe(Outcome.UNKNOWN);
  });
});
