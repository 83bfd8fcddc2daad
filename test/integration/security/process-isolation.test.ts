import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAllowLists } from '../../../scaler-service/src/runtime/allow-list.js';
import { createProcessRuntime } from '../../../scaler-service/src/runtime/process.js';
import { type InstanceSpec, RuntimeError } from '../../../scaler-service/src/runtime/types.js';
import { eventually } from '../../support/eventually.js';

// Issue 9, item 2: a child of the process runtime ran as the Scaler's own user with the
// Scaler's environment, so it could read /proc/<scaler pid>/environ (database URL, tokens).
// Here this test process plays the Scaler (it is the parent, and its environment holds
// PG_PRIMARY_PORT and the rest of the harness's settings); a real child tries to read it.

const dir = mkdtempSync(join(tmpdir(), 'autoserve-iso-'));
const allow = loadAllowLists({ SCALER_ALLOWED_EXECUTABLES: '/bin/sh' });
const runtime = createProcessRuntime({ dir, user: { uid: 65534, gid: 65534 }, allow });
const ids: string[] = [];
afterAll(async () => {
  for (const id of ids) await runtime.remove(id);
});

const spec = (name: string, script: string): InstanceSpec => ({
  appName: 'iso',
  replicaIndex: 0,
  generation: '1',
  name,
  image: '',
  command: ['/bin/sh', '-c', script],
  args: [],
  env: { SCALER_PID: String(process.pid), GREETING: 'hi' },
  port: 39999,
  cpuLimit: 0,
  memoryLimitBytes: 0,
  labels: {},
});

describe('process runtime children', () => {
  it('cannot read the Scaler environment, see only their own env, and inherit no descriptors', async () => {
    expect(process.getuid?.()).toBe(0); // the harness runs as root, like the Scaler in CI
    const script = [
      'echo "uid=$(id -u)"',
      'cat /proc/$SCALER_PID/environ >/dev/null 2>&1; echo "environ_rc=$?"',
      'echo "env:"; env | sort',
      'echo "fds:"; for f in /proc/self/fd/*; do echo "$(basename $f) $(readlink $f)"; done',
      'echo done',
    ].join('; ');
    const id = await runtime.create(spec('iso-0-a', script));
    ids.push(id);
    let out = '';
    await eventually(
      async () => {
        out = await runtime.logs(id, 100);
        return out.includes('done');
      },
      10_000,
      'the child to finish',
    );
    expect(out).toContain('uid=65534');
    expect(out).toMatch(/environ_rc=[1-9]/);
    const env = out
      .slice(out.indexOf('env:') + 5, out.indexOf('fds:'))
      .trim()
      .split('\n')
      .map((l) => l.split('=')[0])
      // sh itself exports PWD (and some shells SHLVL); nothing came from the Scaler.
      .filter((k) => k !== 'PWD' && k !== 'SHLVL' && k !== '_');
    expect(env.sort()).toEqual(['GREETING', 'PORT', 'SCALER_PID']);
    expect(out).not.toContain('PG_PRIMARY_PORT');
    // Beyond stdio, nothing of the Scaler's: descriptors it held without close-on-exec (the
    // harness leaks one into this process) reach the child as /dev/null.
    const fds = out
      .slice(out.indexOf('fds:') + 5, out.indexOf('done'))
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string | undefined])
      .filter(([fd, target]) => Number(fd) > 2 && target !== '/dev/null' && Boolean(target));
    expect(fds).toEqual([]);
  });

  it('refuses an executable the operator did not allow, even past the API check', async () => {
    const err = await runtime
      .create({ ...spec('iso-0-b', 'true'), command: ['/usr/bin/env', 'true'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).message).toMatch(/SCALER_ALLOWED_EXECUTABLES/);
  });
});
