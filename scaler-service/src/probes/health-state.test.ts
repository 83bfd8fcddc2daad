import { describe, expect, it } from 'vitest';
import { type HealthCounters, nextHealth } from './health-state.js';

const fresh: HealthCounters = {
  health: 'unknown',
  successes: 0,
  consecutiveFailures: 0,
  failureCount: 0,
};
const t = { failureThreshold: 3, successThreshold: 2 };

function run(results: boolean[], from = fresh): HealthCounters[] {
  const out: HealthCounters[] = [];
  let c = from;
  for (const ok of results) {
    c = nextHealth(c, ok, t);
    out.push(c);
  }
  return out;
}

describe('nextHealth', () => {
  it('needs successThreshold successes in a row to become healthy', () => {
    expect(run([true, true]).map((c) => c.health)).toEqual(['starting', 'healthy']);
    expect(run([true, false, true, true]).map((c) => c.health)).toEqual([
      'starting',
      'starting',
      'starting',
      'healthy',
    ]);
  });

  it('needs failureThreshold failures in a row to become unhealthy, and counts them', () => {
    const healthy: HealthCounters = { ...fresh, health: 'healthy', successes: 5 };
    const seq = run([false, false, true, false, false, false], healthy);
    expect(seq.map((c) => c.health)).toEqual([
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'unhealthy',
    ]);
    expect(seq.at(-1)).toMatchObject({ consecutiveFailures: 3, failureCount: 5 });
  });

  it('recovers from unhealthy after successThreshold successes', () => {
    const sick: HealthCounters = { ...fresh, health: 'unhealthy', consecutiveFailures: 4 };
    expect(run([true, true], sick).map((c) => c.health)).toEqual(['unhealthy', 'healthy']);
  });
});
