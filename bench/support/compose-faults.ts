/**
 * Faults injected into the compose stack during a load run: a restart of
 * the streaming replica (`docker-compose restart postgres-replica`) and a
 * crash of a service container (SIGKILL to its main process from the host,
 * as the OOM killer would; `docker kill` would count as a manual stop and
 * bypass the restart policy). Each fault reports how long until the service
 * answered SERVING again.
 */
import { execFileSync } from 'node:child_process';
import { checkHealth } from '../../deploy/healthcheck.mjs';
import { compose, composeOutput } from '../../scripts/lib/compose/cli.js';

export interface FaultRecord {
  fault: string;
  at_s: number;
  /** Seconds from the fault until the affected endpoint answered SERVING again. */
  recovered_after_s: number | null;
  detail?: string;
}

async function servingAgain(address: string, sinceMs: number, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  // Let the crash be noticed first: the old process may still answer for a moment.
  await new Promise((r) => setTimeout(r, 300));
  while (Date.now() < deadline) {
    const ok = await checkHealth(address, { timeoutMs: 500 }).then(
      (s) => s === 'SERVING',
      () => false,
    );
    if (ok) return Math.round((performance.now() - sinceMs) / 100) / 10;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

export async function restartReplica(
  env: NodeJS.ProcessEnv,
  contextAddress: string,
  runStart: number,
): Promise<FaultRecord> {
  const t0 = performance.now();
  await compose({ env }, ['restart', '-t', '5', 'postgres-replica']);
  return {
    fault: 'docker-compose restart postgres-replica',
    at_s: Math.round((t0 - runStart) / 100) / 10,
    recovered_after_s: await servingAgain(contextAddress, t0),
  };
}

export async function crashService(
  env: NodeJS.ProcessEnv,
  service: 'scaler' | 'context',
  address: string,
  runStart: number,
): Promise<FaultRecord> {
  const id = composeOutput({ env }, ['ps', '-q', service]).trim();
  const pid = Number(
    execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', id], { env, encoding: 'utf8' }),
  );
  if (!(pid > 1)) throw new Error(`no running ${service} container (pid ${pid})`);
  const t0 = performance.now();
  process.kill(pid, 'SIGKILL');
  const recovered = await servingAgain(address, t0);
  const restarts = execFileSync('docker', ['inspect', '-f', '{{.RestartCount}}', id], {
    env,
    encoding: 'utf8',
  }).trim();
  return {
    fault: `SIGKILL ${service} container's main process`,
    at_s: Math.round((t0 - runStart) / 100) / 10,
    recovered_after_s: recovered,
    detail: `restart policy restarted it (RestartCount ${restarts})`,
  };
}
