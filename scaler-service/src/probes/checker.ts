import { withTx } from '@autoserve/runtime';
import { HEALTH_CHECK_DEFAULTS } from '@autoserve/runtime/model';
import type pg from 'pg';
import type { Logger } from 'pino';
import { insertEvent } from '../queries/events.js';
import { updateInstance } from '../queries/instances.js';
import { listProbeTargets, type ProbeTarget } from '../queries/probe-targets.js';
import type { HealthCheckRow } from '../validation/health-check.js';
import { type HealthCounters, nextHealth } from './health-state.js';
import { type ProbeResult, runProbe } from './probe.js';

/** Probe period of an instance that has not passed a probe yet. */
const STARTUP_PROBE_MS = 250;

/**
 * End of a new instance's start-up grace: the initial delay plus the time
 * the failure threshold takes at the configured period. Failures before it
 * are the app still starting (probed every 250 ms), not a verdict.
 */
function startupGraceEnd(t: ProbeTarget, check: HealthCheckRow): number {
  const started = t.started_at?.getTime() ?? 0;
  return (
    started + (check.initial_delay_seconds + check.period_seconds * check.failure_threshold) * 1000
  );
}

export interface HealthChecker {
  /** Starts due probes (non-blocking); call every few hundred ms while leader. */
  tick(): Promise<void>;
  /** Waits for probes in flight. */
  drain(): Promise<void>;
}

/**
 * Probes every started instance on its app's schedule (initial delay from
 * the start, then every period, each bounded by the timeout), keeps the
 * counters and health status in the instances table and writes an event on
 * each transition. An instance past its failure threshold turns unhealthy;
 * the reconciler replaces it. With probing disabled an instance is healthy
 * as soon as the runtime runs it.
 */
export function createHealthChecker(deps: {
  db: pg.Pool;
  log: Logger;
  now?: () => number;
}): HealthChecker {
  const now = deps.now ?? Date.now;
  const nextAt = new Map<number, number>();
  const successes = new Map<number, number>();
  const inFlight = new Map<number, Promise<void>>();

  const apply = async (t: ProbeTarget, check: HealthCheckRow, result: ProbeResult | 'disabled') => {
    const before: HealthCounters = {
      health: t.health_status,
      successes: successes.get(t.id) ?? 0,
      consecutiveFailures: t.consecutive_failures,
      failureCount: t.failure_count,
    };
    const inGrace =
      result !== 'disabled' && !result.ok && !t.ready_at && now() < startupGraceEnd(t, check);
    if (inGrace) return;
    const after =
      result === 'disabled'
        ? { ...before, health: 'healthy' as const, consecutiveFailures: 0 }
        : nextHealth(before, result.ok, {
            failureThreshold: check.failure_threshold,
            successThreshold: check.success_threshold,
          });
    successes.set(t.id, after.successes);
    const at = new Date(now());
    const changed = after.health !== before.health;
    const failed = result !== 'disabled' && !result.ok;
    await withTx(deps.db, {}, async (tx) => {
      const row = await updateInstance(tx, t.id, {
        healthStatus: after.health,
        lastHealthCheck: at,
        consecutiveFailures: after.consecutiveFailures,
        failureCount: after.failureCount,
        ...(failed ? { lastFailureAt: at, lastError: `health check: ${result.detail}` } : {}),
        ...(after.health === 'healthy' && t.status === 'starting' ? { status: 'running' } : {}),
        ...(after.health === 'healthy' && !t.ready_at ? { readyAt: at } : {}),
      });
      if (!row || !changed || (before.health === 'unknown' && after.health === 'starting')) return;
      const detail = result === 'disabled' ? 'probing disabled' : result.detail;
      await insertEvent(tx, {
        type: 'health',
        appName: t.app_name,
        containerId: t.container_id,
        message: `instance ${t.id} (${t.ip}:${t.port}) ${before.health} -> ${after.health}: ${detail}`,
        details: {
          instance_id: t.id,
          from: before.health,
          to: after.health,
          consecutive_failures: after.consecutiveFailures,
          failure_count: after.failureCount,
          probe: detail,
        },
        severity: after.health === 'unhealthy' ? 'warning' : 'info',
        source: 'health',
      });
    });
  };

  const probe = async (t: ProbeTarget) => {
    const check = t.check ?? HEALTH_CHECK_DEFAULTS;
    if (!check.enabled) {
      if (t.health_status !== 'healthy') await apply(t, check, 'disabled');
      return;
    }
    const result = await runProbe({
      protocol: check.protocol,
      // The instance's own address and port only: stored checks from before the port was
      // refused (or edited in the table) cannot aim the prober at another service.
      host: t.ip,
      port: t.port,
      path: check.path ?? '/',
      method: check.method,
      headers: check.headers ?? {},
      body: check.body,
      expectedStatusCodes: check.expected_status_codes,
      timeoutMs: check.timeout_seconds * 1000,
    });
    await apply(t, check, result);
  };

  return {
    async tick() {
      const targets = await listProbeTargets(deps.db);
      const live = new Set(targets.map((t) => t.id));
      for (const id of nextAt.keys()) {
        if (!live.has(id)) {
          nextAt.delete(id);
          successes.delete(id);
        }
      }
      const t0 = now();
      for (const t of targets) {
        if (inFlight.has(t.id)) continue;
        const check = t.check ?? HEALTH_CHECK_DEFAULTS;
        const due =
          nextAt.get(t.id) ?? (t.started_at?.getTime() ?? t0) + check.initial_delay_seconds * 1000;
        if (t0 < due) continue;
        // Until the first success, probe often so a new instance joins the
        // endpoint set as soon as it listens (failures there are not counted,
        // see startupGrace); afterwards on the configured period.
        const starting = !t.ready_at && t.health_status !== 'healthy';
        const period = check.period_seconds * 1000;
        nextAt.set(t.id, t0 + (starting ? Math.min(period, STARTUP_PROBE_MS) : period));
        const p = probe(t)
          .catch((err: unknown) =>
            deps.log.warn({ err, instance: t.id }, 'health probe failed to record'),
          )
          .finally(() => inFlight.delete(t.id));
        inFlight.set(t.id, p);
      }
    },
    async drain() {
      await Promise.all(inFlight.values());
    },
  };
}
