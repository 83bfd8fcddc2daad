/**
 * `npm start`: the local Postgres primary + replica, migrations, both
 * services; prints the endpoints, a dev token and copy-paste calls. Ctrl-C
 * (or SIGTERM) stops both services and leaves no process behind; Postgres
 * keeps running for the next start (`npm run stop` stops it). A service that
 * crashes is printed and restarted with back-off (lib/supervisor.ts).
 *
 * Overrides (env): AUTOSERVE_DB, CONTEXT_GRPC_PORT, SCALER_GRPC_PORT,
 * CONTEXT_METRICS_PORT, SCALER_METRICS_PORT, PG_DIR, PG_PRIMARY_PORT,
 * PG_REPLICA_PORT, SCALER_RUNTIME, AUTH_TOKENS, LOG_FORMAT=json|pretty.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatLogLine } from './lib/log-format.js';
import { withDb } from './lib/pg-harness.js';
import { REPO } from './lib/repo.js';
import { type Stack, startStack } from './lib/stack.js';
import { banner } from './lib/start-banner.js';

const started = performance.now();
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const json = process.env.LOG_FORMAT === 'json';
const stateFile = process.env.AUTOSERVE_STATE_FILE || `${REPO}/.data/start.json`;
const say = (line: string) => process.stdout.write(`${line}\n`);

let stack: Stack | undefined;
let stopping: Promise<void> | undefined;

function shutdown(reason: string, code: number): void {
  if (stopping) return;
  const t0 = performance.now();
  say(`\n[start] ${reason}: stopping both services`);
  stopping = (stack?.stop() ?? Promise.resolve()).then(
    () => {
      rmSync(stateFile, { force: true });
      say(
        `[start] stopped in ${Math.round(performance.now() - t0)} ms. Postgres keeps running (npm run stop stops it).`,
      );
      process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`[start] stop failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
}

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) {
      // The operator insists: kill the services now rather than wait for drains.
      say(`[start] ${signal} again: killing the services`);
      stack?.kill();
      return;
    }
    shutdown(signal, 0);
  });
}

try {
  stack = await startStack({
    env: process.env,
    log: (line) => say(`[start] ${line}`),
    onServiceLine: (service, line) =>
      say(json ? `${service.padEnd(7)} ${line}` : formatLogLine(service, line, color)),
  });
} catch (err) {
  process.stderr.write(`[start] ${(err as Error).message}\n`);
  process.exit(1);
}
if (stopping) await stopping;

const seconds = (performance.now() - started) / 1000;
mkdirSync(dirname(stateFile), { recursive: true });
writeFileSync(
  stateFile,
  `${JSON.stringify({ pid: process.pid, token: stack.token, context: stack.context, scaler: stack.scaler, database: stack.database, primaryUrl: withDb(stack.cluster.primaryUrl, stack.database) }, null, 2)}\n`,
  { mode: 0o600 },
);
say(banner(stack, seconds, color));
// A crashed service is printed and restarted by the stack's supervisor; the other keeps serving.
