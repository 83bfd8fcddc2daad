/**
 * Keeps one service process running for `npm start`: when it exits by
 * itself (a crash) its last log lines are printed and it is started again
 * on the same ports, after a back-off that doubles per consecutive crash
 * (so a service that dies at once does not spin) and resets once it stayed
 * up a while. The other service keeps running throughout: one crash no
 * longer takes the whole stack down.
 */
import { type ServiceName, type ServiceProcess, spawnService } from './service-process.js';

export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** A run this long counts as healthy: the next crash starts from baseMs again. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

/** Delay before restart number `consecutive` (1-based) of a crash loop. */
export function restartDelay(consecutive: number, b: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, consecutive - 1));
}

export interface Supervised {
  name: ServiceName;
  /** The process running now (a new one after each restart). */
  current(): ServiceProcess;
  /** Restarts so far. */
  restarts(): number;
  /** Unexpected exits so far (counted at the exit, before the restart). */
  crashes(): number;
  /**
   * Starts restarting on crashes, on the ports the first process bound
   * (called once the stack is up: a failed first start is an error, not a crash loop).
   */
  arm(ports: { grpc: number; metrics: number | undefined }): void;
  stop(graceMs: number): Promise<void>;
  kill(): void;
}

export function supervise(
  name: ServiceName,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  log: (line: string) => void,
  backoff: Backoff = DEFAULT_BACKOFF,
): Supervised {
  let proc = spawnService(name, env, onLine);
  let restarts = 0;
  let crashes = 0;
  let consecutive = 0;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let pinned: NodeJS.ProcessEnv = env;

  const watch = (p: ServiceProcess, startedAt: number) => {
    void p.exited.then((result) => {
      if (stopping || p !== proc) return;
      crashes++;
      consecutive = Date.now() - startedAt >= backoff.resetAfterMs ? 1 : consecutive + 1;
      const delay = restartDelay(consecutive, backoff);
      const tail = p.tail().slice(-8);
      log(
        `${name} crashed (exit ${result}); its last lines:\n${tail.map((l) => `    ${l}`).join('\n')}`,
      );
      log(`restarting ${name} in ${delay} ms (restart ${restarts + 1})`);
      timer = setTimeout(() => {
        if (stopping) return;
        restarts++;
        proc = spawnService(name, pinned, onLine);
        watch(proc, Date.now());
        proc.grpcPort.then(
          (port) => log(`${name} is back on port ${port} (restart ${restarts})`),
          () => {},
        );
      }, delay);
    });
  };

  return {
    name,
    current: () => proc,
    restarts: () => restarts,
    crashes: () => crashes,
    arm(ports) {
      const prefix = name.toUpperCase();
      pinned = {
        ...env,
        [`${prefix}_GRPC_PORT`]: String(ports.grpc),
        ...(ports.metrics ? { [`${prefix}_METRICS_PORT`]: String(ports.metrics) } : {}),
      };
      watch(proc, Date.now());
    },
    async stop(graceMs) {
      stopping = true;
      clearTimeout(timer);
      await proc.stop(graceMs);
    },
    kill() {
      stopping = true;
      clearTimeout(timer);
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    },
  };
}
