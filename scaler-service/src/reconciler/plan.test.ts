import { describe, expect, it } from 'vitest';
import { fakeInstanceRow } from '../control/testing/instance-row.js';
import type { InstanceRow } from '../queries/instances.js';
import type { RuntimeInstance } from '../runtime/types.js';
import { planApp } from './plan.js';

const NOW = Date.UTC(2025, 0, 1);

function row(id: number, over: Partial<InstanceRow> = {}): InstanceRow {
  return fakeInstanceRow(id, over, NOW);
}

function container(id: number, over: Partial<RuntimeInstance> = {}): RuntimeInstance {
  return {
    id: `c${id}`,
    name: `web-${id}-x`,
    appName: 'web',
    replicaIndex: id,
    generation: '1',
    port: 20000 + id,
    state: 'running',
    exitCode: undefined,
    startedAt: undefined,
    ...over,
  };
}

function plan(
  desired: number,
  rows: InstanceRow[],
  containers: RuntimeInstance[],
  status = 'running',
  generation = '1',
) {
  return planApp({
    app: { name: 'web', status, desiredReplicas: desired, generation },
    rows,
    containers,
    now: NOW,
    drainMs: 10_000,
    retryAt: (r) => r.updated_at.getTime() + 5000,
  }).map((s) => {
    if (s.kind === 'create') return `create ${s.replicaIndex}`;
    if (s.kind === 'adopt' || s.kind === 'remove-container') return `${s.kind} ${s.container.id}`;
    return `${s.kind} ${s.row.id}`;
  });
}

describe('planApp', () => {
  it('creates the missing replicas at the lowest free indexes', () => {
    expect(plan(3, [row(1)], [container(1)])).toEqual(['create 0', 'create 2']);
  });

  it('is idle when the world matches', () => {
    expect(plan(2, [row(0), row(1)], [container(0), container(1)])).toEqual([]);
  });

  it('adopts a labelled container without a row instead of creating a duplicate', () => {
    expect(plan(2, [row(0)], [container(0), container(1)])).toEqual(['adopt c1']);
  });

  it('removes containers of apps that should not run, and ones clashing with a row', () => {
    expect(plan(0, [], [container(1)], 'stopping')).toEqual(['remove-container c1']);
    expect(plan(1, [row(1)], [container(1), container(9, { replicaIndex: 1 })])).toEqual([
      'remove-container c9',
    ]);
  });

  it('a crash after service is replaced at once; a start failure waits for the back-off', () => {
    expect(plan(1, [row(0)], [container(0, { state: 'exited', exitCode: 1 })])).toEqual([
      'crashed 0',
      'create 1',
    ]);
    expect(plan(1, [row(0, { ready_at: null })], [container(0, { state: 'exited' })])).toEqual([
      'crashed 0',
    ]);
  });

  it('a row whose container vanished is a crash; a pending row without one was interrupted', () => {
    expect(plan(1, [row(0)], [])).toEqual(['crashed 0', 'create 1']);
    const pending = row(0, { container_id: 'pending:web-0-x', status: 'starting' });
    expect(plan(1, [pending], [])).toEqual(['drop-row 0', 'create 1']);
    expect(plan(1, [pending], [container(0)])).toEqual([]);
  });

  it('errored rows are retried after the back-off', () => {
    const fresh = row(0, { status: 'error', updated_at: new Date(NOW - 1000) });
    expect(plan(1, [fresh], [])).toEqual([]);
    const old = row(0, { status: 'error', updated_at: new Date(NOW - 6000) });
    expect(plan(1, [old], [])).toEqual(['drop-row 0', 'create 1']);
  });

  it('scale-in removes not-ready ones at once, then drains the newest healthy ones', () => {
    const rows = [
      row(0),
      row(1),
      row(2),
      row(3, { status: 'starting', health_status: 'starting' }),
    ];
    const cs = rows.map((r) => container(r.id));
    expect(plan(1, rows, cs)).toEqual(['stop 3', 'drain 2', 'drain 1']);
  });

  it('unhealthy instances are replaced', () => {
    expect(plan(1, [row(0, { health_status: 'unhealthy' })], [container(0)])).toEqual([
      'replace-unhealthy 0',
      'create 1',
    ]);
  });

  it('a draining instance is stopped after the drain period', () => {
    const draining = row(0, { status: 'draining', draining_since: new Date(NOW - 5000) });
    expect(plan(0, [draining], [container(0)])).toEqual([]);
    const done = row(0, { status: 'draining', draining_since: new Date(NOW - 11_000) });
    expect(plan(0, [done], [container(0)])).toEqual(['stop 0']);
  });

  describe('rolling update to a new generation (surge 1, none unavailable)', () => {
    const old = (id: number, over: Partial<InstanceRow> = {}) => row(id, over);
    const neu = (id: number, over: Partial<InstanceRow> = {}) =>
      row(id, { app_generation: '2', ...over });
    const cs = (...ids: number[]) => ids.map((id) => container(id));

    it('adds one new instance first, keeping every old one serving', () => {
      expect(plan(2, [old(0), old(1)], cs(0, 1), 'updating', '2')).toEqual(['create 2']);
    });

    it('waits while the new instance is not healthy yet', () => {
      const starting = neu(2, { status: 'starting', health_status: 'starting' });
      expect(plan(2, [old(0), old(1), starting], cs(0, 1, 2), 'updating', '2')).toEqual([]);
    });

    it('retires one old instance per healthy new one and adds the next', () => {
      expect(plan(2, [old(0), old(1), neu(2)], cs(0, 1, 2), 'updating', '2')).toEqual([
        'drain 1',
        'create 3',
      ]);
    });

    it('retires the last old instance without another surge', () => {
      expect(plan(2, [old(1), neu(2), neu(3)], cs(1, 2, 3), 'updating', '2')).toEqual(['drain 1']);
    });

    it('names the rollout as the reason', () => {
      const steps = planApp({
        app: { name: 'web', status: 'updating', desiredReplicas: 1, generation: '2' },
        rows: [old(0), neu(1)],
        containers: cs(0, 1),
        now: NOW,
        drainMs: 10_000,
        retryAt: () => NOW,
      });
      expect(steps).toEqual([{ kind: 'drain', row: old(0), reason: 'replaced by generation 2' }]);
    });

    it('keeps the old instances when the new spec cannot start', () => {
      const failed = neu(2, { status: 'error', updated_at: new Date(NOW - 1000) });
      expect(plan(2, [old(0), old(1), failed], cs(0, 1), 'error', '2')).toEqual([]);
    });

    it('takes instances without a recorded generation as current', () => {
      expect(
        plan(2, [old(0, { app_generation: null }), old(1)], cs(0, 1), 'updating', '1'),
      ).toEqual([]);
    });

    it('scales in old instances first when the desired count drops mid-rollout', () => {
      expect(plan(1, [old(0), old(1), neu(2)], cs(0, 1, 2), 'updating', '2')).toEqual([
        'drain 1',
        'drain 0',
      ]);
    });
  });
});
