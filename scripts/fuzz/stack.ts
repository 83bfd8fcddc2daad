/**
 * Fuzzes both services as `npm start` runs them (real child processes under
 * the supervisor, their own database, process runtime, control loop off so
 * fuzzed apps start nothing), then stops them and drops the database.
 */
import { ContextService, createScalerClient, ScalerService } from '@autoserve/proto';
import { checkHealth } from '../../deploy/healthcheck.mjs';
import { dropDatabase, pgUp } from '../lib/pg-harness.js';
import { type Stack, startStack } from '../lib/stack.js';
import { stringPool } from './generate.js';
import { type FuzzReport, runFuzz } from './run.js';

export interface FuzzRunOptions {
  perRpc: number;
  seed: number;
  env: NodeJS.ProcessEnv;
  concurrency?: number;
  log?: (line: string) => void;
}

const KNOWN_APPS = ['fuzz-app', 'fuzz-other'];

export async function fuzzServices(
  o: FuzzRunOptions,
): Promise<FuzzReport & { crash_output: string[] }> {
  const log = o.log ?? (() => {});
  const database = o.env.AUTOSERVE_DB?.trim() || 'autoserve_fuzz';
  const cluster = await pgUp(o.env, () => {});
  await dropDatabase(cluster.primaryUrl, database);
  const crashOutput: string[] = [];
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      env: {
        ...o.env,
        AUTOSERVE_DB: database,
        AUTH_TOKENS: '',
        CONTEXT_GRPC_PORT: '0',
        SCALER_GRPC_PORT: '0',
        CONTEXT_METRICS_PORT: '0',
        SCALER_METRICS_PORT: '0',
        SCALER_RUNTIME: 'process',
        SCALER_CONTROL_LOOP: 'false',
        LOG_LEVEL: 'warn',
      },
      log: (line) => log(`[stack] ${line}`),
      // Lines that are not JSON logs are crash output (uncaught exceptions).
      onServiceLine: (service, line) => {
        if (!line.startsWith('{') && crashOutput.length < 200)
          crashOutput.push(`${service}: ${line}`);
      },
    });
    const s = stack;
    const scaler = createScalerClient({ baseUrl: s.scaler.url, token: s.token });
    for (const name of KNOWN_APPS) await scaler.registerApp({ name, spec: { image: 'fuzz' } });
    scaler.close();
    const report = await runFuzz(
      [
        { service: ScalerService, address: s.scaler.address, pid: () => s.pids().scaler },
        { service: ContextService, address: s.context.address, pid: () => s.pids().context },
      ],
      {
        perRpc: o.perRpc,
        seed: o.seed,
        token: s.token!,
        concurrency: o.concurrency ?? 8,
        deadlineMs: 5000,
        gen: { strings: stringPool(KNOWN_APPS), maxItems: 200 },
        crashes: () => s.crashes(),
        health: (address) =>
          checkHealth(address, { timeoutMs: 2000 }).catch((e: Error) => e.message),
        progress: log,
      },
    );
    return { ...report, crash_output: crashOutput };
  } finally {
    await stack?.stop();
    await dropDatabase(cluster.primaryUrl, database).catch(() => {});
  }
}
