import type { ContextService } from '@autoserve/proto';
import type { Pool } from '@autoserve/runtime';
import type { ServiceImpl } from '@connectrpc/connect';
import type { Logger } from 'pino';
import type { ContextConfig } from '../config.js';

/** What the Context handlers need. */
export interface ContextDeps {
  /** Streaming replica, read-only role. */
  replica: Pool;
  /** Primary with the read-only role, for fallback; undefined when not configured. */
  primary: Pool | undefined;
  config: ContextConfig;
  log: Logger;
}

/**
 * The Context service's RPCs. Routing only wires this object; each method
 * lives in its own module.
 */
export function createContextHandlers(
  _deps: ContextDeps,
): Partial<ServiceImpl<typeof ContextService>> {
  return {};
}
