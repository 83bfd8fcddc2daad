import type { RunningService } from '@autoserve/runtime';
import { Code } from '@connectrpc/connect';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadControlConfig } from '../../../scaler-service/src/control/config.js';
import { createDockerRuntime } from '../../../scaler-service/src/runtime/docker.js';
import { selectRuntime } from '../../../scaler-service/src/runtime/select.js';
import { eventually } from '../../support/eventually.js';
import { startScaler } from '../../support/services.js';
import { dockerClient, ensureDocker, removeOwned } from '../control/support.js';
import { appName, expectCode, type ScalerClient, scalerClient } from '../scaler/client.js';

const db = inject('db');
const quiet = pino({ level: 'silent' });

// Issue 9, item 2: a write token could run anything. What runs is now the operator's call.
describe('what a write token may run', () => {
  let docker: RunningService;
  let withProcesses: RunningService;
  let d: ScalerClient;
  let p: ScalerClient;
  beforeAll(async () => {
    [docker, withProcesses] = await Promise.all([
      startScaler(db, { SCALER_RUNTIME: 'docker' }),
      startScaler(db, { SCALER_RUNTIME: 'process', SCALER_ALLOWED_EXECUTABLES: '/usr/bin/node' }),
    ]);
    d = scalerClient(docker.port);
    p = scalerClient(withProcesses.port);
  });
  afterAll(() => Promise.all([docker?.stop(), withProcesses?.stop()]));

  it('an image off SCALER_ALLOWED_IMAGES is PermissionDenied, at register and update', async () => {
    await expectCode(
      d.registerApp({ name: appName('img'), spec: { image: 'evil/miner:latest' } }),
      Code.PermissionDenied,
      /^spec.image: image "evil\/miner:latest" is not allowed .*SCALER_ALLOWED_IMAGES/,
    );
    const name = appName('img');
    await d.registerApp({ name, spec: { image: 'autoserve/busybox:test' } });
    await expectCode(
      d.updateApp({ name, spec: { image: 'evil/miner:latest' } }),
      Code.PermissionDenied,
      /SCALER_ALLOWED_IMAGES/,
    );
  });

  it('a command off SCALER_ALLOWED_EXECUTABLES is PermissionDenied when processes may run', async () => {
    await expectCode(
      p.registerApp({ name: appName('exe'), spec: { command: ['/bin/sh', '-c', 'id'] } }),
      Code.PermissionDenied,
      /^spec.command\[0\]: executable "\/bin\/sh" is not allowed .*SCALER_ALLOWED_EXECUTABLES/,
    );
    await expectCode(
      p.registerApp({ name: appName('exe'), spec: { command: ['node', '-e', '1'] } }),
      Code.PermissionDenied,
      /SCALER_ALLOWED_EXECUTABLES/,
    );
    await p.registerApp({ name: appName('exe'), spec: { command: ['/usr/bin/node', 'app.js'] } });
    // Without the process runtime a bare command has nowhere to run.
    await expectCode(
      d.registerApp({ name: appName('exe'), spec: { command: ['/usr/bin/node'] } }),
      Code.InvalidArgument,
      /SCALER_PROCESS_RUNTIME/,
    );
  });

  it('the autoserve.* label namespace is reserved', async () => {
    await expectCode(
      d.registerApp({
        name: appName('lbl'),
        spec: { image: 'autoserve/busybox:test', labels: { 'autoserve.owner': 'someone-else' } },
      }),
      Code.InvalidArgument,
      /^spec.labels\["autoserve.owner"\]: the autoserve.\* label namespace is reserved/,
    );
  });

  it('health checks cannot aim the prober at another port or host', async () => {
    const name = appName('hc');
    await d.registerApp({ name, spec: { image: 'autoserve/busybox:test' } });
    await expectCode(
      d.putHealthCheck({ appName: name, healthCheck: { port: 5432 } }),
      Code.InvalidArgument,
      /^health_check.port/,
    );
    await expectCode(
      d.putHealthCheck({ appName: name, healthCheck: { headers: { Host: 'db.internal' } } }),
      Code.InvalidArgument,
      /host/,
    );
  });
});

describe('runtime selection', () => {
  it('auto never falls back to processes unless the operator enabled them', async () => {
    const base = {
      SCALER_RUNTIME: 'auto',
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      SCALER_RUNTIME_OWNER: `sel-${process.pid}`,
    };
    const off = await selectRuntime(loadControlConfig(base).runtime, quiet);
    expect(off.kind).toBe('docker');
    const on = await selectRuntime(
      loadControlConfig({ ...base, SCALER_PROCESS_RUNTIME: 'true' }).runtime,
      quiet,
    );
    expect(on.kind).toBe('process');
  });
});

describe('containers', () => {
  let dockerHost: string;
  const owner = `lockdown-${process.pid}`;
  beforeAll(async () => {
    dockerHost = await ensureDocker();
  }, 300_000);
  afterAll(async () => {
    if (dockerHost) await removeOwned(dockerClient(dockerHost), owner);
  });

  it('get default limits, no new privileges, only NET_BIND_SERVICE, a non-root user, and still serve', async () => {
    const config = loadControlConfig({
      DOCKER_HOST: dockerHost,
      SCALER_ALLOWED_IMAGES: 'autoserve/busybox:test',
      SCALER_CONTAINER_READ_ONLY: 'true',
    }).runtime;
    const runtime = createDockerRuntime({
      dockerHost,
      owner,
      allow: config.allow,
      hardening: config.hardening,
    });
    const port = 31_950 + (process.pid % 40);
    const id = await runtime.create({
      appName: 'lockdown',
      replicaIndex: 0,
      generation: '1',
      name: `lockdown-0-${process.pid}`,
      image: 'autoserve/busybox:test',
      command: [],
      args: [],
      env: {},
      port,
      cpuLimit: 0,
      memoryLimitBytes: 0,
      labels: {},
    });
    const info = await dockerClient(dockerHost).getContainer(id).inspect();
    expect(info.Config.User).toBe('65534:65534');
    expect(info.HostConfig).toMatchObject({
      Memory: 512 * 1024 * 1024,
      NanoCpus: 1e9,
      PidsLimit: 256,
      CapDrop: ['ALL'],
      CapAdd: ['NET_BIND_SERVICE'],
      SecurityOpt: ['no-new-privileges:true'],
      ReadonlyRootfs: true,
    });
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true,
      15_000,
      'the hardened busybox httpd to serve',
    );
    // And the runtime itself refuses an image off the list (defence in depth).
    await expect(
      runtime.create({
        appName: 'lockdown',
        replicaIndex: 1,
        generation: '1',
        name: `lockdown-1-${process.pid}`,
        image: 'autoserve/node-http:test',
        command: [],
        args: [],
        env: {},
        port: port + 1,
        cpuLimit: 0,
        memoryLimitBytes: 0,
        labels: {},
      }),
    ).rejects.toThrow(/SCALER_ALLOWED_IMAGES/);
  });
});
