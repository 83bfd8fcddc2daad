import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createControlShell } from './loop.js';
import { createFakeRuntime } from './testing/fake-runtime.js';
import { createFakeStore } from './testing/fake-store.js';

const DRAIN_MS = 10_000;

/** The control shell over a fake store, runtime, clock and leadership; nothing sleeps. */
function setup() {
  let time = Date.parse('2026-01-01T00:00:00Z');
  const clock = {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
  const lead = { leader: true, term: '1' as string | undefined };
  const leadership = { isLeader: () => lead.leader, term: () => lead.term };
  const store = createFakeStore({ clock, leadership });
  const runtime = createFakeRuntime();
  let port = 30_000;
  const { pass } = createControlShell({
    store,
    runtime,
    leadership,
    clock,
    // Rotates like the real allocator, so parallel creations get different ports.
    ports: { allocate: async (taken) => (taken.has(++port) ? ++port : port) },
    config: {
      evaluationIntervalMs: 5000,
      outcomeTimeoutMs: 60_000,
      stopGraceMs: 0,
      drainMs: DRAIN_MS,
    },
    log: pino({ level: process.env.SHELL_LOG ?? 'silent' }),
  });
  const app = (name: string) => store.tables().apps.get(name);
  const rows = (name: string) =>
    [...store.tables().instances.values()].filter((r) => r.app_name === name);
  return { clock, lead, store, runtime, pass, app, rows };
}

describe('control shell over a fake store and runtime', () => {
  it('converges an app to its replicas, and scales in after the drain period', async () => {
    const s = setup();
    s.store.addApp('web', 3);
    await s.pass.run();
    expect(s.runtime.instances().map((i) => i.appName)).toEqual(['web', 'web', 'web']);
    expect(s.rows('web').map((r) => r.status)).toEqual(['running', 'running', 'running']);
    expect(s.app('web')).toMatchObject({ status: 'starting', replicas: 3 });
    s.store.markHealthy();
    await s.pass.run();
    expect(s.app('web')).toMatchObject({ status: 'running', replicas: 3 });

    s.app('web')!.desired_replicas = 1;
    await s.pass.run();
    expect(s.rows('web').filter((r) => r.status === 'draining')).toHaveLength(2);
    expect(s.runtime.instances()).toHaveLength(3);
    s.clock.advance(DRAIN_MS - 1);
    await s.pass.run();
    expect(s.runtime.instances()).toHaveLength(3);
    s.clock.advance(1);
    await s.pass.run();
    expect(s.runtime.instances()).toHaveLength(1);
    expect(s.rows('web')).toHaveLength(1);
    expect(s.app('web')).toMatchObject({ status: 'running', replicas: 1 });
  });

  it('an unreachable engine puts the app in error with an event, then it recovers', async () => {
    const s = setup();
    s.store.addApp('web', 2);
    await s.pass.run();
    s.store.markHealthy();
    await s.pass.run();
    expect(s.app('web')?.status).toBe('running');

    s.runtime.down(true);
    await expect(s.pass.run()).resolves.toBeUndefined();
    await expect(s.pass.run()).resolves.toBeUndefined();
    expect(s.pass.engineDown()).toBe(true);
    expect(s.app('web')?.status).toBe('error');
    const outage = s.store.tables().events.filter((e) => e.details?.failure === 'engine_down');
    // Once per outage, not once per pass.
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({ type: 'error', appName: 'web', source: 'reconciler' });

    s.runtime.down(false);
    await s.pass.run();
    expect(s.pass.engineDown()).toBe(false);
    expect(s.app('web')).toMatchObject({ status: 'running', replicas: 2 });
    expect(s.runtime.instances()).toHaveLength(2);
  });

  it('a process that knows it lost leadership does nothing', async () => {
    const s = setup();
    s.lead.leader = false;
    s.lead.term = undefined;
    s.store.addApp('web', 2);
    await s.pass.run();
    expect(s.runtime.calls).toEqual([]);
    expect(s.rows('web')).toEqual([]);
  });

  it('a deposed leader that has not noticed yet is refused by the fencing check', async () => {
    const s = setup();
    s.store.addApp('web', 1);
    await s.pass.run();
    expect(s.rows('web')).toHaveLength(1);
    const events = s.store.tables().events.length;

    // Another Scaler takes over; this one still believes it leads.
    s.store.takeOver();
    s.store.addApp('late', 2);
    s.app('web')!.desired_replicas = 3;
    await expect(s.pass.run()).resolves.toBeUndefined();
    expect(s.rows('late')).toEqual([]);
    expect(s.rows('web')).toHaveLength(1);
    expect(s.runtime.calls.filter((c) => c === 'create')).toHaveLength(1);
    expect(s.app('late')?.status).toBe('starting');
    expect(s.store.tables().events).toHaveLength(events);
  });

  it("evaluates while the instances are listed, and a failed read ends the pass only after the other's", async () => {
    const s = setup();
    s.store.addApp('web', 1);
    const listing = s.store.listInstancesOfApps;
    const evaluation = s.store.evaluateApps;
    const order: string[] = [];
    // The listing answers once the evaluation has started (or, if it never
    // does meanwhile, after 200 ms): the reads ran side by side.
    let started = () => {};
    const evaluating = new Promise<void>((resolve) => {
      started = resolve;
    });
    s.store.listInstancesOfApps = async (names) => {
      const early = await Promise.race([
        evaluating.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 200)),
      ]);
      order.push(early ? 'listed after evaluate started' : 'listed alone');
      return listing(names);
    };
    s.store.evaluateApps = async (apps, rows, now) => {
      started();
      const out = await evaluation(apps, await rows, now);
      order.push('evaluated');
      return out;
    };
    await s.pass.run();
    expect(order).toEqual(['listed after evaluate started', 'evaluated']);

    // A rejected read in one lane: the pass fails, but not before the other lane is done.
    order.length = 0;
    s.store.listLivePorts = async () => {
      throw new Error('ports unreadable');
    };
    s.store.evaluateApps = async () => {
      await new Promise((r) => setTimeout(r, 50));
      order.push('evaluated');
      return new Map();
    };
    await expect(s.pass.run()).rejects.toThrow('ports unreadable');
    expect(order).toEqual(['listed after evaluate started', 'evaluated']);
  });
});
