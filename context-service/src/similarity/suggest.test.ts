import { Outcome } from '@autoserve/proto/context/v1';
import { describe, expect, it } from 'vitest';
import { type Evidence, suggestRemediations, wilson } from './suggest.js';

let nextId = 1n;
function ev(
  workflowName: string,
  similarity: number,
  outcome: Outcome,
  duration?: number,
): Evidence {
  return {
    incidentId: nextId++,
    similarity,
    workflowName,
    action: '',
    outcome,
    durationSeconds: duration,
  };
}

describe('wilson', () => {
  it('matches the textbook interval (p = 0.5, n = 10 -> 0.2366..0.7634)', () => {
    const { lower, upper } = wilson(0.5, 10);
    expect(lower).toBeCloseTo(0.2366, 3);
    expect(upper).toBeCloseTo(0.7634, 3);
  });
  it('stays inside [0, 1] at the edges and is wide for one trial', () => {
    expect(wilson(1, 1).lower).toBeCloseTo(0.2065, 3);
    expect(wilson(0, 1).upper).toBeCloseTo(0.7935, 3);
    expect(wilson(0, 0)).toEqual({ lower: 0, upper: 1 });
  });
});

describe('suggestRemediations', () => {
  it('ranks a remediation that failed on near-identical incidents below one that worked on less similar ones', () => {
    const evidence = [
      ev('restart', 0.99, Outcome.FAILED),
      ev('restart', 0.985, Outcome.FAILED),
      ev('restart', 0.98, Outcome.SUCCEEDED),
      ev('scale-out', 0.86, Outcome.SUCCEEDED),
      ev('scale-out', 0.85, Outcome.SUCCEEDED),
      ev('scale-out', 0.84, Outcome.SUCCEEDED),
    ];
    const [best, second] = suggestRemediations(evidence, 5);
    expect(best!.workflowName).toBe('scale-out');
    expect(second!.workflowName).toBe('restart');
    // The weighted rate: 0.98 / (0.99 + 0.985 + 0.98).
    expect(second!.successRate).toBeCloseTo(0.98 / (0.99 + 0.985 + 0.98), 10);
    expect(second!.maxSimilarity).toBe(0.99);
    expect(second!.evidence).toHaveLength(3);
  });

  it('does not let one lucky success outrank a long record', () => {
    const evidence = [
      ev('lucky', 0.95, Outcome.SUCCEEDED),
      ...Array.from({ length: 12 }, () => ev('steady', 0.9, Outcome.SUCCEEDED)),
      ev('steady', 0.9, Outcome.FAILED),
    ];
    const [first] = suggestRemediations(evidence, 5);
    expect(first!.workflowName).toBe('steady');
  });

  it('leaves undecided incidents out of the rate but counts them as support', () => {
    const evidence = [
      ev('drain', 0.9, Outcome.SUCCEEDED, 30),
      ev('drain', 0.8, Outcome.IN_PROGRESS, 10),
      ev('drain', 0.7, Outcome.UNKNOWN),
    ];
    const [s] = suggestRemediations(evidence, 5);
    expect(s).toMatchObject({ supporting: 3, succeeded: 1, failed: 0, undecided: 2 });
    expect(s!.successRate).toBe(1);
    expect(s!.effectiveSupport).toBeCloseTo(1, 10);
    expect(s!.medianDurationSeconds).toBe(20);
  });

  it('groups by the recorded action when no workflow ran, and skips incidents with neither', () => {
    const a: Evidence = { ...ev('', 0.9, Outcome.SUCCEEDED), action: 'rollback' };
    const none = ev('', 0.95, Outcome.SUCCEEDED);
    const out = suggestRemediations([a, none], 5);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ workflowName: '', action: 'rollback', supporting: 1 });
  });

  it('weights by similarity, clamped at zero', () => {
    const out = suggestRemediations(
      [
        ev('x', 0.8, Outcome.SUCCEEDED),
        ev('x', 0.2, Outcome.FAILED),
        ev('x', -0.5, Outcome.FAILED),
      ],
      5,
    );
    expect(out[0]!.successRate).toBeCloseTo(0.8, 10);
    // Kish: (0.8 + 0.2)^2 / (0.64 + 0.04)
    expect(out[0]!.effectiveSupport).toBeCloseTo(1 / 0.68, 10);
  });
});
