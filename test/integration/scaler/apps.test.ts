import { scaler } from '@autoserve/proto';
import { Code } from '@connectrpc/connect';
import type pg from 'pg';
import { describe, expect } from 'vitest';
import { serviceTest } from '../../support/fixtures.js';
import { appName, expectCode } from './client.js';

const test = serviceTest();
const { AppStatus, AppMode } = scaler;

describe('Scaler apps', () => {
  const spec = { image: 'autoserve/node-http:test', env: { GREETING: 'hi' } };
  const events = async (owner: pg.Pool, app: string) =>
    (
      await owner.query<{ event_type: string; details: { to?: string } }>(
        'SELECT event_type, details FROM events WHERE app_name = $1 ORDER BY id',
        [app],
      )
    ).rows;

  test('registers an app with defaults, policy, health check and a registration event', async ({
    writer: c,
    owner,
  }) => {
    const name = appName('reg');
    const { app } = await c.registerApp({ name, spec });
    expect(app).toMatchObject({
      name,
      status: AppStatus.REGISTERED,
      mode: AppMode.AUTO,
      desiredReplicas: 1,
      generation: 1n,
    });
    expect(app?.spec?.env).toEqual({ GREETING: 'hi' });
    const got = await c.getApp({ name });
    expect(got.scalingPolicy).toMatchObject({
      minReplicas: 1,
      maxReplicas: 5,
      targetRpsPerReplica: 50,
    });
    expect(got.scalingPolicy?.scaleDown?.stabilizationWindow?.seconds).toBe(300n);
    expect(got.healthCheck).toMatchObject({ path: '/', port: 0, expectedStatusCodes: [200] });
    expect(got.instances).toEqual([]);
    expect((await events(owner, name)).map((e) => e.event_type)).toEqual(['registration']);
    await expectCode(
      c.registerApp({ name, spec }),
      Code.AlreadyExists,
      `name: app "${name}" already exists`,
    );
  });

  test('rejects bad input naming the field, and writes nothing', async ({ writer: c }) => {
    await expectCode(
      c.registerApp({ name: 'Bad_Name', spec }),
      Code.InvalidArgument,
      /^name: must be a DNS-1123 label/,
    );
    await expectCode(
      c.registerApp({ name: appName(), spec: { image: 'x', port: 70000 } }),
      Code.InvalidArgument,
      /^spec.port:/,
    );
    await expectCode(c.registerApp({ name: appName() }), Code.InvalidArgument, 'spec: is required');
    await expectCode(
      c.registerApp({ name: appName(), spec, scalingPolicy: { minReplicas: 3, maxReplicas: 2 } }),
      Code.InvalidArgument,
      'scaling_policy.min_replicas: must be <= max_replicas (2)',
    );
    await expectCode(
      c.registerApp({
        name: appName(),
        spec,
        healthCheck: { period: { seconds: 2n }, timeout: { seconds: 3n } },
      }),
      Code.InvalidArgument,
      /^health_check.timeout/,
    );
    await expectCode(
      c.registerApp({ name: appName(), spec, initialReplicas: 9 }),
      Code.InvalidArgument,
      /^initial_replicas/,
    );
    await expectCode(
      c.registerApp({ name: appName(), spec, mode: 9 as scaler.AppMode }),
      Code.InvalidArgument,
      /^mode:/,
    );
  });

  test('is idempotent under retry: same request id returns the first result, changes nothing', async ({
    writer: c,
    owner,
  }) => {
    const name = appName('idem');
    const first = await c.registerApp({ requestId: 'req-1', name, spec, start: true });
    const again = await c.registerApp({ requestId: 'req-1', name, spec, start: true });
    expect(again).toEqual(first);
    expect((await events(owner, name)).length).toBe(1);
    await expectCode(
      c.registerApp({ requestId: 'req-1', name: appName(), spec }),
      Code.AlreadyExists,
      /^request_id:/,
    );
    // Concurrent retries of a scale: exactly one change.
    await c.setAppMode({ name, mode: AppMode.MANUAL });
    const scaled = await Promise.all(
      Array.from({ length: 5 }, () => c.scaleApp({ requestId: 'scale-1', name, replicas: 3 })),
    );
    for (const r of scaled) expect(r).toEqual(scaled[0]);
    expect((await events(owner, name)).filter((e) => e.event_type === 'scaling').length).toBe(1);
  });

  test('follows the lifecycle and refuses illegal transitions with FailedPrecondition', async ({
    writer: c,
    owner,
  }) => {
    const name = appName('life');
    await c.registerApp({ name, spec });
    await expectCode(
      c.stopApp({ name }),
      Code.FailedPrecondition,
      `app "${name}" is registered; it cannot become stopping`,
    );
    expect((await c.startApp({ name })).app?.status).toBe(AppStatus.STARTING);
    await expectCode(
      c.startApp({ name }),
      Code.FailedPrecondition,
      /is starting; it cannot become starting/,
    );
    await expectCode(
      c.updateApp({ name, spec: { image: 'x:2' } }),
      Code.FailedPrecondition,
      /cannot be updated now/,
    );
    // The control loop's move starting -> running.
    await owner.query(`UPDATE applications SET status = 'running' WHERE name = $1`, [name]);
    const upd = await c.updateApp({ name, spec: { image: 'x:2' }, expectedGeneration: 1n });
    expect(upd.app).toMatchObject({ status: AppStatus.UPDATING, generation: 2n });
    await expectCode(
      c.updateApp({ name, spec: { image: 'x:3' }, expectedGeneration: 1n }),
      Code.Aborted,
      /^expected_generation:/,
    );
    expect((await c.stopApp({ name })).app?.status).toBe(AppStatus.STOPPING);
    await owner.query(`UPDATE applications SET status = 'stopped' WHERE name = $1`, [name]);
    expect((await c.startApp({ name, requestId: 'start-again' })).app?.status).toBe(
      AppStatus.STARTING,
    );
    expect((await c.deleteApp({ name })).app?.status).toBe(AppStatus.DELETING);
    await expectCode(
      c.deleteApp({ name }),
      Code.FailedPrecondition,
      /is deleting; it cannot become deleting/,
    );
    await expectCode(c.setAppMode({ name, mode: AppMode.MANUAL }), Code.FailedPrecondition);
    const types = (await events(owner, name)).map((e) => `${e.event_type}:${e.details.to ?? ''}`);
    expect(types).toEqual([
      'registration:',
      'lifecycle:starting',
      'config:',
      'lifecycle:stopping',
      'lifecycle:starting',
      'lifecycle:deleting',
    ]);
    await expectCode(c.getApp({ name: appName('none') }), Code.NotFound, /not found/);
  });

  test('scales by hand only in manual mode and within the policy bounds', async ({ writer: c }) => {
    const name = appName('scale');
    await c.registerApp({ name, spec, scalingPolicy: { minReplicas: 1, maxReplicas: 4 } });
    await expectCode(c.scaleApp({ name, replicas: 2 }), Code.FailedPrecondition, /auto mode/);
    await c.setAppMode({ name, mode: AppMode.MANUAL });
    await expectCode(
      c.scaleApp({ name, replicas: 5 }),
      Code.InvalidArgument,
      'replicas: must be within the policy bounds 1..4',
    );
    expect((await c.scaleApp({ name, replicas: 4 })).app?.desiredReplicas).toBe(4);
    await expectCode(c.setAppMode({ name, mode: 0 }), Code.InvalidArgument, /^mode:/);
  });

  test('puts and gets policies and health checks, enforced in the RPC and the database', async ({
    writer: c,
    owner,
  }) => {
    const name = appName('pol');
    await c.registerApp({ name, spec });
    const { policy } = await c.putScalingPolicy({
      appName: name,
      policy: {
        minReplicas: 0,
        maxReplicas: 8,
        targetRpsPerReplica: 12.5,
        scaleUp: {
          policies: [{ type: scaler.RatePolicyType.PODS, value: 2, period: { seconds: 30n } }],
          selectPolicy: scaler.SelectPolicy.MIN,
        },
        scaleToZero: { idlePeriod: { seconds: 600n }, activationThreshold: 1 },
      },
    });
    expect(policy).toMatchObject({
      minReplicas: 0,
      maxReplicas: 8,
      targetRpsPerReplica: 12.5,
      cpuWeight: 1,
    });
    expect(policy?.scaleUp?.policies).toHaveLength(1);
    expect((await c.getScalingPolicy({ appName: name })).policy).toEqual(policy);
    await expectCode(
      c.putScalingPolicy({ appName: name, policy: { cpuWeight: -1 } }),
      Code.InvalidArgument,
      /^policy.cpu_weight/,
    );
    await expectCode(c.getScalingPolicy({ appName: appName('none') }), Code.NotFound);
    // Probes only target the instance's own port (issue 9): a fixed port is refused.
    await expectCode(
      c.putHealthCheck({
        appName: name,
        healthCheck: { protocol: scaler.ProbeProtocol.TCP, port: 8080 },
      }),
      Code.InvalidArgument,
      /^health_check.port/,
    );
    const { healthCheck } = await c.putHealthCheck({
      appName: name,
      healthCheck: { protocol: scaler.ProbeProtocol.TCP, period: { seconds: 10n } },
    });
    expect(healthCheck).toMatchObject({
      protocol: scaler.ProbeProtocol.TCP,
      port: 0,
      path: '',
      timeout: { seconds: 5n },
    });
    expect((await c.getHealthCheck({ appName: name })).healthCheck).toEqual(healthCheck);
    await expectCode(
      c.putHealthCheck({ appName: name, healthCheck: { port: 0, path: 'no-slash' } }),
      Code.InvalidArgument,
      /^health_check.path/,
    );
    // The database enforces the same constraints as a second line.
    await expect(
      owner.query('UPDATE scaling_policies SET min_replicas = 9 WHERE app_name = $1', [name]),
    ).rejects.toThrow(/valid_replica_bounds/);
  });

  test('lists apps with instance statistics, a status filter and validated page tokens', async ({
    writer: c,
    owner,
  }) => {
    const names = [appName('list'), appName('list'), appName('list')];
    for (const n of names) await c.registerApp({ name: n, spec });
    await owner.query(
      `INSERT INTO instances (app_name, container_id, container_name, replica_index, ip, port, status, health_status, cpu_percent, memory_percent)
       VALUES ($1, $2, $1 || '-0', 0, '127.0.0.1', 41001, 'running', 'healthy', 40, 10),
              ($1, $3, $1 || '-1', 1, '127.0.0.1', 41002, 'running', 'unhealthy', 60, 30),
              ($1, $4, $1 || '-2', 2, '127.0.0.1', 41003, 'stopped', 'unknown', 0, 0)`,
      [names[0], `c-${names[0]}-0`, `c-${names[0]}-1`, `c-${names[0]}-2`],
    );
    await owner.query(`UPDATE applications SET status = 'running' WHERE name = $1`, [names[0]]);
    const running = await c.listApps({ statuses: [AppStatus.RUNNING] });
    const summary = running.apps.find((a) => a.name === names[0]);
    expect(summary).toMatchObject({
      runningInstances: 2,
      healthyInstances: 1,
      avgCpuPercent: 50,
      avgMemoryPercent: 20,
    });
    expect(running.apps.every((a) => a.status === AppStatus.RUNNING)).toBe(true);
    const seen: string[] = [];
    let token = '';
    do {
      const page = await c.listApps({ pageSize: 2, pageToken: token });
      expect(page.apps.length).toBeLessThanOrEqual(2);
      seen.push(...page.apps.map((a) => a.name));
      token = page.nextPageToken;
    } while (token);
    expect(seen).toEqual([...seen].sort());
    for (const n of names) expect(seen).toContain(n);
    const first = await c.listApps({ pageSize: 1 });
    await expectCode(
      c.listApps({ pageSize: 1, pageToken: first.nextPageToken, statuses: [AppStatus.RUNNING] }),
      Code.InvalidArgument,
      /^page_token:/,
    );
    await expectCode(c.listApps({ pageToken: 'garbage' }), Code.InvalidArgument, /^page_token:/);
    await expectCode(
      c.listApps({ pageSize: 501 }),
      Code.InvalidArgument,
      'page_size: must be 1..500',
    );

    // Instances: get / list (stopped hidden by default), paging.
    const got = await c.getApp({ name: names[0]! });
    expect(got.instances.map((i) => i.replicaIndex)).toEqual([0, 1]);
    const inst = await c.listInstances({ appName: names[0]!, pageSize: 1 });
    expect(inst.instances).toHaveLength(1);
    const rest = await c.listInstances({
      appName: names[0]!,
      pageSize: 1,
      pageToken: inst.nextPageToken,
    });
    expect(rest.instances[0]?.replicaIndex).toBe(1);
    expect(rest.nextPageToken).toBe('');
    const stopped = await c.listInstances({
      appName: names[0]!,
      statuses: [scaler.InstanceStatus.STOPPED],
    });
    expect(stopped.instances.map((i) => i.replicaIndex)).toEqual([2]);
    const one = await c.getInstance({ id: inst.instances[0]!.id });
    expect(one.instance).toMatchObject({
      appName: names[0],
      ip: '127.0.0.1',
      port: 41001,
      runtime: 'docker',
      healthStatus: scaler.HealthStatus.HEALTHY,
    });
    await expectCode(c.getInstance({ id: 0n }), Code.InvalidArgument, 'id: must be >= 1');
    await expectCode(c.getInstance({ id: 999999n }), Code.NotFound);
  });
});
