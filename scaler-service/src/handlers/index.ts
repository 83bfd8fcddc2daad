import type { ScalerService } from '@autoserve/proto';
import type { ServiceImpl } from '@connectrpc/connect';
import { createAppLifecycle } from './app-lifecycle.js';
import { createAppScaling } from './app-scaling.js';
import type { WriteSideDeps } from './deps.js';
import { createEvents } from './events.js';
import { createExplainScaling } from './explain-scaling.js';
import { createGetApps } from './get-apps.js';
import { createIncidentEmbedding } from './incident-embedding.js';
import { createInstances } from './instances.js';
import { createListScalingDecisions } from './list-scaling-decisions.js';
import { createMetricWindows } from './metric-windows.js';
import { createMetricsIngestHandlers } from './metrics.js';
import { createPolicies } from './policies.js';
import { createRegisterApp } from './register-app.js';
import { createRemediationHandlers } from './remediation.js';
import { createUpdateApp } from './update-app.js';
import { createWatchEndpoints } from './watch-endpoints.js';

/** What the Scaler handlers need. */
export type ScalerDeps = WriteSideDeps;

/**
 * The Scaler service's RPCs. Routing only wires this object; each RPC family
 * lives in its own module.
 */
export function createScalerHandlers(deps: ScalerDeps): ServiceImpl<typeof ScalerService> {
  return {
    ...createRegisterApp(deps),
    ...createUpdateApp(deps),
    ...createGetApps(deps),
    ...createAppLifecycle(deps),
    ...createAppScaling(deps),
    ...createPolicies(deps),
    ...createInstances(deps),
    ...createMetricsIngestHandlers(deps),
    ...createMetricWindows(deps),
    ...createEvents(deps),
    ...createRemediationHandlers(deps),
    ...createIncidentEmbedding(deps),
    ...createExplainScaling(deps),
    ...createListScalingDecisions(deps),
    ...createWatchEndpoints(deps),
  };
}
