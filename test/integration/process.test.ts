import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, inject, it } from 'vitest';
import { REPO } from '../support/cluster.js';
import { rawClients } from '../support/raw-grpc.js';
import { serviceEnv } from '../support/services.js';

const db = inject('db');

function startProcess(service: 'scaler' | 'context', env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [`${REPO}/${service}-service/dist/main.js`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return { child, out: () => stdout, err: () => stderr };
}

async function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}

describe('service processes', () => {
  for (const service of ['scaler', 'context'] as const) {
    it(`${service}: serves, logs JSON with the port, and exits 0 on SIGTERM`, async () => {
      const p = startProcess(service, { ...serviceEnv(db), LOG_LEVEL: 'info' });
      const until = Date.now() + 20_000;
      let port = 0;
      while (!port && Date.now() < until) {
        const line = p
          .out()
          .split('\n')
          .find((l) => l.includes('serving gRPC'));
        if (line) port = (JSON.parse(line) as { port: number }).port;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(port, p.err()).toBeGreaterThan(0);
      const c = rawClients(`127.0.0.1:${port}`);
      expect(await c.check('')).toBe('SERVING');
      c.close();
      const started = Date.now();
      p.child.kill('SIGTERM');
      expect(await exitCode(p.child, 15_000)).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(p.out()).toContain('"msg":"stopped"');
    });
  }

  it('a wrong setting stops the service with a message naming the variable', async () => {
    const p = startProcess('context', { ...serviceEnv(db), CONTEXT_GRPC_PORT: 'not-a-port' });
    expect(await exitCode(p.child, 15_000)).toBe(1);
    expect(p.err()).toContain('CONTEXT_GRPC_PORT');
    const q = startProcess('scaler', { ...serviceEnv(db), SCALER_DATABASE_URL: '' });
    expect(await exitCode(q.child, 15_000)).toBe(1);
    expect(q.err()).toContain('SCALER_DATABASE_URL');
  });
});
