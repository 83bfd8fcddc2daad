import type { ConnectError } from '@connectrpc/connect';
import type * as grpc from '@grpc/grpc-js';
import type { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import type { StreamLease, StreamLimiter } from './stream-limits.js';

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

/** The address part of a grpc-js peer ("1.2.3.4:5", "[::1]:5"): health has no principal. */
function peerAddress(peer: string): string {
  const colon = peer.lastIndexOf(':');
  return colon > 0 ? peer.slice(0, colon) : peer;
}

interface WatchCall {
  request: { service?: string };
  getPeer(): string;
  on(event: string, listener: () => void): unknown;
  emit(event: 'error', error: { code: grpc.status; details: string }): boolean;
}

/**
 * Serves grpc.health.v1 with its Watch streams capped: health needs no token,
 * so without a cap anyone who can connect could hold unbounded streams. The
 * cap is keyed by peer address (there is no principal) plus a total. A slot is
 * released on whichever of cancel/close/finish/error comes first.
 */
export function addLimitedHealthService(
  server: grpc.Server,
  health: HealthImplementation,
  limiter: StreamLimiter,
): void {
  const proxy = {
    addService(definition: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) {
      const watch = impl.watch as unknown as (call: WatchCall) => void;
      const limitedWatch = (call: WatchCall) => {
        let lease: StreamLease;
        try {
          lease = limiter.acquire(peerAddress(call.getPeer()));
        } catch (err) {
          const e = err as ConnectError;
          call.emit('error', { code: e.code as number as grpc.status, details: e.rawMessage });
          return;
        }
        const release = () => {
          lease.release();
          forgetEmptyWatcherSet(health, call.request.service ?? '');
        };
        for (const event of ['cancelled', 'close', 'finish', 'error']) call.on(event, release);
        watch(call);
      };
      server.addService(definition, { ...impl, watch: limitedWatch as grpc.UntypedHandleCall });
    },
  };
  health.addToServer(proxy as unknown as grpc.Server);
}

/**
 * grpc-health-check keeps an (empty) watcher set per service name ever watched;
 * names are caller-chosen, so drop the set once its last watcher left.
 */
function forgetEmptyWatcherSet(health: HealthImplementation, service: string): void {
  const watchers = (health as unknown as { watchers?: Map<string, Set<unknown>> }).watchers;
  // The library removes its watcher on 'cancelled'; other ends leave it, and it stays harmless.
  queueMicrotask(() => {
    if (watchers?.get(service)?.size === 0) watchers.delete(service);
  });
}
