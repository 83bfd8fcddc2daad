import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerError } from './docker-errors.js';
import { createProcessRuntime } from './process.js';
import { RuntimeError } from './types.js';

// Issue 9, item 8: engine and OS error text goes to the log (RuntimeError.detail); the
// message, which events and instance rows carry to every reader, is our own classification.
const upstream = 'pull access denied for registry.internal.corp/team-secret/app, token=abc';

describe('runtime error messages carry no upstream text', () => {
  it.each([
    [{ statusCode: 404, json: { message: `No such image: ${upstream}` } }, 'image_missing'],
    [{ statusCode: 400, json: { message: upstream } }, 'invalid_spec'],
    [{ statusCode: 500, json: { message: `${upstream}: address already in use` } }, 'port_in_use'],
    [{ statusCode: 500, json: { message: upstream } }, 'other'],
    [{ code: 'ECONNREFUSED', message: `connect ECONNREFUSED ${upstream}` }, 'engine_down'],
  ])('docker %#', (err, failure) => {
    const e = dockerError(err, 'create');
    expect(e.failure).toBe(failure);
    expect(e.message).not.toContain('secret');
    expect(e.message).not.toContain('registry.internal');
    expect(e.detail).toContain(upstream);
  });

  it('spawn failures name the errno, not the path or the OS text', async () => {
    const rt = createProcessRuntime({ dir: mkdtempSync(join(tmpdir(), 'rt-err-')) });
    const err = await rt
      .create({
        appName: 'a',
        replicaIndex: 0,
        generation: '1',
        name: 'a-0-x',
        image: '',
        command: ['/nonexistent/team-secret/bin'],
        args: [],
        env: {},
        port: 1,
        cpuLimit: 0,
        memoryLimitBytes: 0,
        labels: {},
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).message).toBe('cannot start the command (ENOENT)');
    expect((err as RuntimeError).detail).toContain('team-secret');
  });
});
