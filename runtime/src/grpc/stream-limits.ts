import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import type { ServiceRegistration } from './adapter.js';
import { kPrincipal } from './context.js';

/** Caps on concurrent long-lived streams. */
export interface StreamLimits {
  /** Streams one key (a principal, or a peer address) may hold at once. */
  perKey: number;
  /** Streams the whole server may hold at once. */
  total: number;
}

/** A held stream slot; `release` is idempotent. */
export interface StreamLease {
  release(): void;
}

/**
 * Counts open streams per key and in total. Each stream holds memory, a
 * socket's flow-control window and its share of the fan-out, so one caller
 * (or all callers together) must not be able to open an unbounded number.
 */
export interface StreamLimiter {
  /** Takes a slot for `key`, or throws ResourceExhausted naming the limit reached. */
  acquire(key: string): StreamLease;
  /** Open streams, in total and for one key (metrics and tests). */
  open(key?: string): number;
}

/**
 * `what` names the streams in error messages ("watch streams"), `settings`
 * the variables an operator would raise.
 */
export function createStreamLimiter(
  limits: StreamLimits,
  names: { what: string; perKeySetting: string; totalSetting: string; keyKind: string },
): StreamLimiter {
  const byKey = new Map<string, number>();
  let total = 0;
  return {
    acquire(key) {
      const held = byKey.get(key) ?? 0;
      if (held >= limits.perKey) {
        throw new ConnectError(
          `too many concurrent ${names.what} for ${names.keyKind} "${key}": ${held} open, limit ${limits.perKey} (${names.perKeySetting}); close one before opening another`,
          Code.ResourceExhausted,
        );
      }
      if (total >= limits.total) {
        throw new ConnectError(
          `the server holds its limit of ${limits.total} concurrent ${names.what} (${names.totalSetting}); retry later`,
          Code.ResourceExhausted,
        );
      }
      byKey.set(key, held + 1);
      total++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          total--;
          const left = (byKey.get(key) ?? 1) - 1;
          // Delete at zero so short-lived keys do not accumulate.
          if (left === 0) byKey.delete(key);
          else byKey.set(key, left);
        },
      };
    },
    open: (key) => (key === undefined ? total : (byKey.get(key) ?? 0)),
  };
}

type StreamImpl = (input: unknown, ctx: HandlerContext) => AsyncIterable<unknown>;

/**
 * Wraps the server-streaming handlers of a registration so each stream holds
 * a slot of `limiter`, keyed by the authenticated principal, from its start
 * until it ends by any path (completion, error, client cancel, shutdown).
 * The slot is taken inside the generator, after the adapter authenticated
 * the call, and released in its `finally`, which runs on every exit.
 */
export function limitServerStreams<S extends DescService>(
  reg: ServiceRegistration<S>,
  limiter: StreamLimiter,
): ServiceRegistration<S> {
  const impl = { ...(reg.impl as Record<string, unknown>) };
  for (const method of reg.service.methods) {
    if (method.methodKind !== 'server_streaming') continue;
    const original = impl[method.localName] as StreamImpl | undefined;
    if (typeof original !== 'function') continue;
    const bound = original.bind(reg.impl);
    impl[method.localName] = async function* limited(input: unknown, ctx: HandlerContext) {
      const lease = limiter.acquire(ctx.values.get(kPrincipal)?.name ?? 'anonymous');
      try {
        yield* bound(input, ctx);
      } finally {
        lease.release();
      }
    };
  }
  return { ...reg, impl: impl as ServiceRegistration<S>['impl'] };
}
