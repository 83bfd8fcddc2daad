import { loadConfig as loadContextConfig, startContextService } from '@autoserve/context-service';
import type { Env, RunningService } from '@autoserve/runtime';
import { loadConfig as loadScalerConfig, startScalerService } from '@autoserve/scaler-service';
import type { TestDb } from './database.js';

/** Tokens every test service accepts. */
export const TOKENS = {
  read: 'reader-token-0123456789abcdef',
  write: 'writer-token-0123456789abcdef',
};

/** Environment for services under test: port 0, quiet logs, real tokens. */
export function serviceEnv(db: TestDb, extra: Env = {}): Env {
  return {
    SCALER_GRPC_PORT: '0',
    CONTEXT_GRPC_PORT: '0',
    SCALER_METRICS_PORT: '0',
    CONTEXT_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    HEALTH_INTERVAL: '200ms',
    SHUTDOWN_GRACE: '2s',
    AUTH_TOKENS: `reader:${TOKENS.read}:read,writer:${TOKENS.write}:write`,
    SCALER_DATABASE_URL: db.scalerUrl,
    CONTEXT_REPLICA_URL: db.contextReplicaUrl,
    CONTEXT_PRIMARY_URL: db.contextPrimaryUrl,
    // The control loop would start instances for apps other tests register;
    // test/integration/control turns it on with a private runtime owner.
    SCALER_CONTROL_LOOP: 'false',
    // The recall calibration reads every large embedder in the background: tests opt in.
    CONTEXT_CALIBRATION_INTERVAL: '0',
    // What the test images and apps run (issue 9: nothing runs unless the operator allows it).
    SCALER_ALLOWED_IMAGES: 'autoserve/*,x*',
    SCALER_ALLOWED_EXECUTABLES: process.execPath,
    ...extra,
  };
}

export async function startScaler(db: TestDb, extra: Env = {}): Promise<RunningService> {
  return startScalerService(loadScalerConfig(serviceEnv(db, extra)));
}

export async function startContext(db: TestDb, extra: Env = {}): Promise<RunningService> {
  return startContextService(loadContextConfig(serviceEnv(db, extra)));
}

export { eventually } from './eventually.js';
