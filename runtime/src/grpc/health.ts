import type { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';

export type { HealthImplementation };

/** Probe that resolves when the service's database answers. */
export type DbProbe = () => Promise<void>;

/**
 * Keeps grpc.health.v1 in step with the database: SERVING only while the
 * probe succeeds, NOT_SERVING while it fails. Returns a stop function.
 */
export function watchDbHealth(options: {
  health: HealthImplementation;
  serviceNames: string[];
  probe: DbProbe;
  intervalMs: number;
  log: Logger;
}): { stop(): void; check(): Promise<boolean> } {
  let last: boolean | undefined;
  let stopped = false;
  const set = (ok: boolean) => {
    if (stopped) return;
    for (const name of ['', ...options.serviceNames]) {
      options.health.setStatus(name, ok ? 'SERVING' : 'NOT_SERVING');
    }
    if (ok !== last) {
      if (ok) options.log.info('database answers: SERVING');
      else options.log.warn('database does not answer: NOT_SERVING');
      last = ok;
    }
  };
  const check = async () => {
    let ok: boolean;
    try {
      await options.probe();
      ok = true;
    } catch {
      ok = false;
    }
    set(ok);
    return ok;
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void check().finally(() => {
      running = false;
    });
  }, options.intervalMs);
  timer.unref();
  return {
    check,
    stop() {
      clearInterval(timer);
      for (const name of ['', ...options.serviceNames])
        options.health.setStatus(name, 'NOT_SERVING');
      stopped = true;
    },
  };
}
