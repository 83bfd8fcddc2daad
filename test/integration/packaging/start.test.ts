import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContextClient } from '@autoserve/proto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { checkHealth } from '../../../deploy/healthcheck.mjs';
import { dropDatabase } from '../../../scripts/lib/pg-harness.js';
import { REPO } from '../../support/cluster.js';

const cluster = inject('cluster');
const database = `autoserve_start_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'autoserve-start-'));

interface State {
  pid: number;
  token: string;
  context: { address: string; url: string; metricsUrl?: string };
  scaler: { address: string; url: string; metricsUrl?: string };
}

/** `npm start`'s program on free ports, its own database and state file, the test cluster. */
function startStack(name: string) {
  const stateFile = join(dir, `${name}.json`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      PG_DIR: cluster.dir,
      PG_PRIMARY_PORT: String(cluster.primaryPort),
      PG_REPLICA_PORT: String(cluster.replicaPort),
      AUTOSERVE_DB: database,
      AUTOSERVE_STATE_FILE: stateFile,
      CONTEXT_GRPC_PORT: '0',
      SCALER_GRPC_PORT: '0',
      CONTEXT_METRICS_PORT: '0',
      SCALER_METRICS_PORT: '0',
      SCALER_RUNTIME: 'process',
      AUTH_TOKENS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const ready = async (timeoutMs: number): Promise<State> => {
    const until = Date.now() + timeoutMs;
    while (!output.includes('autoserve is up')) {
      if (child.exitCode !== null)
        throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
      if (Date.now() > until) throw new Error(`npm start not up after ${timeoutMs} ms:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return JSON.parse(readFileSync(stateFile, 'utf8')) as State;
  };
  return { child, ready, output: () => output, stateFile };
}

/** The service processes (node <service>/dist/main.js) the starter runs. */
function servicePids(pid: number): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return pids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('-service/dist/main.js');
    } catch {
      return false;
    }
  });
}

/** Alive and not a zombie (this sandbox's init reaps late). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

afterAll(async () => {
  await dropDatabase(cluster.primaryUrl, database);
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('comes up, answers health and a real RPC, serves /metrics, and stops cleanly on SIGTERM', async () => {
    const stack = startStack('main');
    const started = Date.now();
    const state = await stack.ready(90_000);
    const startupMs = Date.now() - started;
    expect(state.token).toMatch(/^dev-/);
    expect(stack.output()).toContain(`Token            ${state.token}`);
    expect(stack.output()).toContain(`--list-services ${state.context.url}`);

    expect(await checkHealth(state.context.address)).toBe('SERVING');
    expect(await checkHealth(state.scaler.address)).toBe('SERVING');

    const context = createContextClient({ baseUrl: state.context.url, token: state.token });
    try {
      const res = await context.listRemediationHistory({ namespace: 'nobody-here', pageSize: 5 });
      expect(res.requests).toEqual([]);
      expect(res.readInfo).toBeDefined();
    } finally {
      context.close();
    }
    const metrics = await (await fetch(state.context.metricsUrl!)).text();
    expect(metrics).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="ListRemediationHistory"/);

    const services = servicePids(stack.child.pid!);
    expect(services).toHaveLength(2);
    const stopAt = Date.now();
    stack.child.kill('SIGTERM');
    expect(await exited(stack.child, 20_000)).toBe(0);
    const stopMs = Date.now() - stopAt;
    expect(stopMs).toBeLessThan(15_000);
    expect(await until(() => !services.some(alive), 5000)).toBe(true);
    expect(existsSync(stack.stateFile)).toBe(false);
    expect(stack.output()).toContain('stopped in');
    console.log(`npm start: up in ${startupMs} ms, stopped in ${stopMs} ms`);
  });

  it('restarts a service killed with SIGKILL on the same port while the other keeps serving', async () => {
    const stack = startStack('supervised');
    const state = await stack.ready(90_000);
    const cmd = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const pids = servicePids(stack.child.pid!);
    const scalerPid = pids.find((p) => cmd(p).includes('scaler-service'))!;
    const contextPid = pids.find((p) => cmd(p).includes('context-service'))!;
    process.kill(scalerPid, 'SIGKILL');
    // The context answers all along while the scaler is down and back.
    const contextAnswers: string[] = [];
    const isBack = () => stack.output().includes('scaler is back') || stack.child.exitCode !== null;
    const polling = (async () => {
      while (!isBack()) {
        contextAnswers.push(
          await checkHealth(state.context.address).catch((e: Error) => e.message),
        );
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const back = await until(() => stack.output().includes('scaler is back'), 30_000);
    await polling;
    expect(back, stack.output()).toBe(true);
    expect(stack.output()).toMatch(/scaler crashed \(exit SIGKILL\)/);
    expect(stack.output()).toMatch(/restarting scaler in \d+ ms \(restart 1\)/);
    expect(await checkHealth(state.scaler.address)).toBe('SERVING');
    expect(contextAnswers.length).toBeGreaterThan(0);
    expect([...new Set(contextAnswers)]).toEqual(['SERVING']);
    expect(alive(contextPid)).toBe(true);
    const now = servicePids(stack.child.pid!);
    expect(now).toContain(contextPid);
    expect(now).toHaveLength(2);
    expect(now).not.toContain(scalerPid);
    stack.child.kill('SIGTERM');
    expect(await exited(stack.child, 20_000)).toBe(0);
    expect(await until(() => !now.some(alive), 5000)).toBe(true);
  });

  it('leaves no service behind when the starter itself is killed', async () => {
    const stack = startStack('killed');
    await stack.ready(90_000);
    const services = servicePids(stack.child.pid!);
    expect(services).toHaveLength(2);
    stack.child.kill('SIGKILL');
    await exited(stack.child, 5000);
    expect(await until(() => !services.some(alive), 5000)).toBe(true);
  });
});
