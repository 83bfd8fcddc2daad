/** Health as stored in instances.health_status. */
export type Health = 'unknown' | 'starting' | 'healthy' | 'unhealthy';

export interface HealthCounters {
  health: Health;
  /** Consecutive successes (kept in memory; restarts at 0 on a new leader). */
  successes: number;
  consecutiveFailures: number;
  failureCount: number;
}

export interface Thresholds {
  failureThreshold: number;
  successThreshold: number;
}

/**
 * The probe state machine (Kubernetes probe semantics): `successThreshold`
 * successes in a row make an instance healthy, `failureThreshold` failures in
 * a row unhealthy; until then it keeps its state (starting before the first
 * verdict). Pure, so the rules are unit-tested apart from the probing.
 */
export function nextHealth(c: HealthCounters, ok: boolean, t: Thresholds): HealthCounters {
  if (ok) {
    const successes = c.successes + 1;
    const health: Health =
      successes >= t.successThreshold ? 'healthy' : c.health === 'unknown' ? 'starting' : c.health;
    return { ...c, health, successes, consecutiveFailures: 0 };
  }
  const consecutiveFailures = c.consecutiveFailures + 1;
  const health: Health =
    consecutiveFailures >= t.failureThreshold
      ? 'unhealthy'
      : c.health === 'unknown'
        ? 'starting'
        : c.health;
  return { ...c, health, successes: 0, consecutiveFailures, failureCount: c.failureCount + 1 };
}
