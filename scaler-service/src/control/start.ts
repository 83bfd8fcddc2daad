import pg from 'pg';
import type { Logger } from 'pino';
import { createHealthChecker } from '../probes/checker.js';
import type { Runtime } from '../runtime/types.js';
import { systemClock } from './clock.js';
import type { ControlConfig } from './config.js';
import { startLeaderElection } from './leader.js';
import { type ControlLoop, createControlLoop } from './loop.js';
import { createPgControlStore } from './pg-store.js';
import { createPortAllocator } from './ports.js';
import { sampleUsage } from './stats.js';

/**
 * Wires the control loop to Postgres: leader election on its own session, a
 * small pool of its own for the store whose every statement is bounded by
 * `statementTimeoutMs` (a stuck query cannot stall the loop, nor the next
 * leader's takeover behind its fencing lock), the fenced Postgres store; the
 * health checker and usage sampling (many small writes) on the Scaler's pool. Every Scaler process runs it; only the
 * leader acts.
 */
export function startControlLoop(deps: {
  /** The Scaler's primary pool: the health checker and usage sampling write through it. */
  db: pg.Pool;
  databaseUrl: string;
  runtime: Runtime;
  config: ControlConfig;
  log: Logger;
}): ControlLoop {
  const { runtime, config } = deps;
  const log = deps.log.child({ component: 'control' });
  const pool = new pg.Pool({
    connectionString: deps.databaseUrl,
    max: 4,
    application_name: 'autoserve-scaler-control',
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    statement_timeout: config.statementTimeoutMs,
  });
  // An idle client's socket error must not crash the process; the next checkout reconnects.
  pool.on('error', () => {});
  const leadership = startLeaderElection({
    url: deps.databaseUrl,
    log,
    retryMs: config.leaderRetryMs,
  });
  const store = createPgControlStore({
    pool,
    leadership,
    statementTimeoutMs: config.statementTimeoutMs,
  });
  const checker = createHealthChecker({ db: deps.db, log });
  return createControlLoop({
    store,
    runtime,
    leadership,
    clock: systemClock,
    ports: createPortAllocator(config.portRange),
    config,
    log,
    loopIntervalMs: config.loopIntervalMs,
    tasks: [
      { name: 'health', everyMs: config.probeTickMs, run: () => checker.tick() },
      {
        name: 'stats',
        everyMs: config.statsIntervalMs,
        run: async (engineDown) => {
          if (!engineDown) await sampleUsage(deps.db, runtime, log);
        },
      },
    ],
    async close() {
      await checker.drain();
      await leadership.stop();
      await pool.end();
    },
  });
}
