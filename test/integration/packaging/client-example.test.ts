import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { RunningService } from '@autoserve/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../../support/cluster.js';
import { startContext, startScaler, TOKENS } from '../../support/services.js';

const run = promisify(execFile);
const db = inject('db');

describe('client package example', () => {
  let scaler: RunningService;
  let context: RunningService;
  beforeAll(async () => {
    [scaler, context] = await Promise.all([startScaler(db), startContext(db)]);
  });
  afterAll(async () => {
    await Promise.all([scaler?.stop(), context?.stop()]);
  });

  it('is the code block the README shows', () => {
    const readme = readFileSync(`${REPO}/README.md`, 'utf8');
    const block =
      /<!-- example:client[^>]*-->\n```ts\n([\s\S]*?)```\n<!-- \/example:client -->/.exec(readme);
    expect(block, 'README has the example:client block').not.toBeNull();
    expect(block![1]).toBe(readFileSync(`${REPO}/examples/client.ts`, 'utf8'));
  });

  it('runs against both services and exits 0', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/client.ts'], {
      cwd: REPO,
      env: {
        ...process.env,
        AUTOSERVE_TOKEN: TOKENS.read,
        SCALER_URL: `http://127.0.0.1:${scaler.port}`,
        CONTEXT_URL: `http://127.0.0.1:${context.port}`,
      },
      timeout: 30_000,
    });
    expect(stdout).toMatch(/^apps: /m);
    expect(stdout).toMatch(/^remediations: 0, replica lag: [\d.]+s$/m);
  });

  it('fails with the gRPC code when the token is wrong', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'examples/client.ts'], {
      cwd: REPO,
      env: {
        ...process.env,
        AUTOSERVE_TOKEN: 'not-a-valid-token',
        SCALER_URL: `http://127.0.0.1:${scaler.port}`,
        CONTEXT_URL: `http://127.0.0.1:${context.port}`,
      },
      timeout: 30_000,
    }).catch((err: { code: number; stderr: string }) => err);
    expect(result).toMatchObject({ code: 1 });
    expect((result as { stderr: string }).stderr).toContain('call failed: Unauthenticated');
  });
});
