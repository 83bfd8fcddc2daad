/**
 * One service (`node <service>/dist/main.js`) as a child process: its JSON
 * log lines are forwarded, the bound ports are read from its "serving" lines,
 * and it is stopped with SIGTERM, then SIGKILL after a bound.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { REPO } from './repo.js';

export type ServiceName = 'context' | 'scaler';

export interface ServiceProcess {
  name: ServiceName;
  child: ChildProcess;
  /** Resolves the bound gRPC port once the service logs "serving gRPC". */
  grpcPort: Promise<number>;
  /** Bound metrics port once logged ("serving metrics"); undefined when disabled. */
  metricsPort(): number | undefined;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Last log lines, for error messages. */
  tail(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs: number): Promise<void>;
}

export function spawnService(
  name: ServiceName,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): ServiceProcess {
  const child = spawn(
    process.execPath,
    ['--import', `${REPO}/scripts/lib/parent-watch.mjs`, `${REPO}/${name}-service/dist/main.js`],
    // Own process group: a terminal's Ctrl-C reaches only the starter, which
    // then stops each service exactly once (a second signal would make the
    // service skip its graceful drain).
    { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const lines: string[] = [];
  let metricsPort: number | undefined;
  let resolvePort!: (port: number) => void;
  let rejectPort!: (err: Error) => void;
  const grpcPort = new Promise<number>((resolve, reject) => {
    resolvePort = resolve;
    rejectPort = reject;
  });
  grpcPort.catch(() => {});
  const handle = (line: string) => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
    if (line.startsWith('{')) {
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number };
        if (rec.msg === 'serving gRPC' && rec.port) resolvePort(rec.port);
        if (rec.msg === 'serving metrics' && rec.port) metricsPort = rec.port;
      } catch {
        // not JSON after all
      }
    }
    onLine(line);
  };
  createInterface({ input: child.stdout! }).on('line', handle);
  createInterface({ input: child.stderr! }).on('line', handle);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      const result = code ?? signal ?? 'unknown';
      rejectPort(new Error(`${name} exited (${result}) before serving:\n${lines.join('\n')}`));
      resolve(result);
    });
    child.on('error', (err) => {
      rejectPort(err);
      resolve('spawn error');
    });
  });
  return {
    name,
    child,
    grpcPort,
    metricsPort: () => metricsPort,
    exited,
    tail: () => [...lines],
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves when `child` has exited (immediately when it already has). */
export async function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}
