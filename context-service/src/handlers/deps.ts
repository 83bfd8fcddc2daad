import type { Embedder } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import type { Logger } from 'pino';
import type { TtlCache } from '../cache/ttl-cache.js';
import type { ContextConfig } from '../config.js';
import {
  type ReadInfoInit,
  type ReadRouter,
  type Routed,
  readInfoHeaders,
} from '../read/router.js';
import type { Calibrator } from '../similarity/calibrator.js';

/** What every Context handler gets from the wiring in handlers/index.ts. */
export interface HandlerDeps {
  router: ReadRouter;
  embedder: Embedder;
  config: ContextConfig;
  log: Logger;
  /** Aggregate answers (environment context, success rates, patterns), with their ReadInfo. */
  aggregates: TtlCache<Routed<unknown>>;
  /** Small, slowly changing figures (table size, filtered row estimates for plan choice). */
  stats: TtlCache<number>;
  /** The service's own recall measurement, which sets HNSW effort per embedder and band. */
  calibrator: Calibrator;
}

/** Mirrors a read's ReadInfo into response metadata and returns it for the message. */
export function readInfoOf(ctx: HandlerContext, routed: Routed<unknown>): ReadInfoInit {
  readInfoHeaders(ctx.responseHeader, routed.readInfo);
  return routed.readInfo;
}

/**
 * An aggregate answer through the cache: identical concurrent requests share
 * one query, later ones within the TTL get the stored answer (flagged by the
 * x-cache and x-cache-age-ms metadata, since it may be older than the lag says).
 */
export async function cachedAggregate<T>(
  deps: HandlerDeps,
  ctx: HandlerContext,
  key: string,
  load: () => Promise<Routed<T>>,
): Promise<{ value: T; readInfo: ReadInfoInit }> {
  const cached = await deps.aggregates.get(key, load as () => Promise<Routed<unknown>>);
  ctx.responseHeader.set('x-cache', cached.hit ? 'hit' : 'miss');
  ctx.responseHeader.set('x-cache-age-ms', String(cached.ageMs));
  return { value: cached.value.value as T, readInfo: readInfoOf(ctx, cached.value) };
}
