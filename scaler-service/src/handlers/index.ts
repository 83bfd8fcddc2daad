import type { ScalerService } from '@autoserve/proto';
import type { Pool } from '@autoserve/runtime';
import type { ServiceImpl } from '@connectrpc/connect';
import type { Logger } from 'pino';
import type { ScalerConfig } from '../config.js';

/** What the Scaler handlers need. */
export interface ScalerDeps {
  /** Primary, scaler (read-write) role. */
  db: Pool;
  config: ScalerConfig;
  log: Logger;
}

/**
 * The Scaler service's RPCs. Routing only wires this object; each method
 * lives in its own module.
 */
export function createScalerHandlers(
  _deps: ScalerDeps,
): Partial<ServiceImpl<typeof ScalerService>> {
  return {};
}
