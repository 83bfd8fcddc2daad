/**
 * A simple service model: replicas share the offered load evenly, CPU follows
 * utilization, and p95 latency grows like a queue's, base / (1 - u), so it
 * stays flat at low load and explodes as load per replica nears capacity.
 */
export interface ServiceModel {
  /** Requests per second one replica serves at 100% CPU. */
  capacityRps: number;
  /** p95 latency of an idle replica, ms. */
  baseP95Ms: number;
  /** Seconds from start until a new replica is ready for traffic. */
  startupSeconds: number;
  /** The latency objective, p95 ms. */
  sloP95Ms: number;
}

export const DEFAULT_SERVICE: ServiceModel = {
  capacityRps: 100,
  baseP95Ms: 60,
  startupSeconds: 10,
  sloP95Ms: 250,
};

/** p95 seen by users when this many ready replicas share the load; capped at 5 s (timeouts). */
export function p95Ms(model: ServiceModel, rps: number, readyReplicas: number): number {
  if (readyReplicas <= 0) return rps > 0 ? 5000 : model.baseP95Ms;
  const u = rps / (readyReplicas * model.capacityRps);
  if (u >= 0.98) return 5000;
  return Math.min(5000, model.baseP95Ms / (1 - u));
}

/** CPU percent of one ready replica. */
export function cpuPercent(model: ServiceModel, rps: number, readyReplicas: number): number {
  if (readyReplicas <= 0) return 0;
  return Math.min(100, (100 * rps) / (readyReplicas * model.capacityRps));
}
