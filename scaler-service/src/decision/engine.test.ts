import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, HPA_OPTIONS } from './defaults.js';
import { decide } from './engine.js';
import type { EngineInput, InstanceState, MetricInput, Policy, ScalingMetric } from './types.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const S = 1000;

/** Policy with only CPU (target 50) enabled unless overridden. */
function policy(over: Partial<Policy> = {}): Policy {
  return {
    ...DEFAULT_POLICY,
    minReplicas: 1,
    maxReplicas: 20,
    cooldownSeconds: 0,
    targets: { cpu_percent: 50 },
    ...over,
  };
}

function ready(n: number, notReady = 0): InstanceState[] {
  return Array.from({ length: n + notReady }, (_, i) => ({ id: i + 1, ready: i < n }));
}

function perInstance(values: number[]): MetricInput {
  return { perInstance: new Map(values.map((v, i) => [i + 1, v])) };
}

function input(over: Partial<EngineInput> & { metrics?: EngineInput['metrics'] }): EngineInput {
  const current = over.currentReplicas ?? 3;
  const metrics = over.metrics ?? {};
  return {
    appName: 'web',
    policy: policy(),
    currentReplicas: current,
    instances: ready(current),
    metrics,
    reported: new Set(Object.keys(metrics) as ScalingMetric[]),
    history: [],
    scaleEvents: [],
    now: T0,
    options: HPA_OPTIONS,
    ...over,
  };
}

describe('decide: HPA ratio formula', () => {
  it('3 replicas at 90% CPU with target 50% -> 6', () => {
    const d = decide(input({ metrics: { cpu_percent: perInstance([90, 90, 90]) } }));
    expect(d.desiredReplicas).toBe(6);
    expect(d.action).toBe('scale_up');
    expect(d.winningMetric).toBe('cpu_percent');
    expect(d.proposals[0]).toMatchObject({
      ratio: 1.8,
      proposedReplicas: 6,
      withinTolerance: false,
    });
  });

  it('the same from an app-level mean', () => {
    const d = decide(input({ metrics: { cpu_percent: { app: 90 } } }));
    expect(d.desiredReplicas).toBe(6);
  });

  it('inside the tolerance -> unchanged', () => {
    const d = decide(input({ metrics: { cpu_percent: perInstance([54, 54, 54]) } }));
    expect(d.desiredReplicas).toBe(3);
    expect(d.action).toBe('none');
    expect(d.proposals[0]!.withinTolerance).toBe(true);
  });

  it('tolerance is per direction', () => {
    const p = policy({ scaleUp: { ...DEFAULT_POLICY.scaleUp, tolerance: 0.05 } });
    expect(
      decide(input({ policy: p, metrics: { cpu_percent: { app: 54 } } })).desiredReplicas,
    ).toBe(4);
    // 46/50 = 0.92 is inside the 0.1 down tolerance: no change.
    const down = decide(input({ policy: p, metrics: { cpu_percent: { app: 46 } }, history: [] }));
    expect(down.desiredReplicas).toBe(3);
  });

  it('the largest proposal wins', () => {
    const p = policy({ targets: { cpu_percent: 50, rps: 50, latency_p95: 250 } });
    const d = decide(
      input({
        policy: p,
        metrics: { cpu_percent: { app: 60 }, rps: { app: 400 }, latency_p95: { app: 200 } },
      }),
    );
    expect(d.proposals.map((x) => [x.metric, x.proposedReplicas])).toEqual([
      ['cpu_percent', 4],
      ['rps', 8],
      ['latency_p95', 3],
    ]);
    expect(d.winningMetric).toBe('rps');
    // 3 + 4 pods per 15 s beats 100% (6).
    expect(d).toMatchObject({
      recommendedReplicas: 8,
      desiredReplicas: 7,
      limitedBy: 'rate policy Pods 4/15s',
    });
  });

  it('a weight of 0 or a target of 0 disables a metric', () => {
    const p = policy({ targets: { cpu_percent: 50, rps: 0 }, weights: { cpu_percent: 0 } });
    const d = decide(
      input({ policy: p, metrics: { cpu_percent: { app: 90 }, rps: { app: 900 } } }),
    );
    expect(d.proposals).toEqual([]);
    expect(d.desiredReplicas).toBe(3);
  });
});

describe('decide: missing data and readiness', () => {
  it('a reported metric without samples blocks scale-down, not scale-up', () => {
    const p = policy({ targets: { cpu_percent: 50, rps: 50 } });
    const reported = new Set<ScalingMetric>(['cpu_percent', 'rps']);
    const down = decide(input({ policy: p, reported, metrics: { cpu_percent: { app: 10 } } }));
    expect(down.desiredReplicas).toBe(3);
    expect(down.limitedBy).toBe('missing metrics (no scale-down)');
    expect(down.proposals[1]).toMatchObject({ metric: 'rps', missing: true });
    const up = decide(input({ policy: p, reported, metrics: { cpu_percent: { app: 90 } } }));
    expect(up.desiredReplicas).toBe(6);
  });

  it('no latency samples at zero traffic is not missing data', () => {
    const p = policy({ targets: { rps: 50, latency_p95: 250 } });
    const reported = new Set<ScalingMetric>(['rps', 'latency_p95']);
    const d = decide(input({ policy: p, reported, metrics: { rps: { app: 0 } } }));
    expect(d.proposals.map((x) => x.metric)).toEqual(['rps']);
    expect(d.desiredReplicas).toBe(1);
  });

  it('a metric the app never reported is not used', () => {
    const p = policy({ targets: { cpu_percent: 50, rps: 50 } });
    const d = decide(input({ policy: p, metrics: { cpu_percent: { app: 10 } } }));
    expect(d.proposals).toHaveLength(1);
    expect(d.desiredReplicas).toBe(1);
  });

  it('no data at all holds the count', () => {
    const d = decide(input({ reported: new Set(['cpu_percent']), metrics: {} }));
    expect(d.desiredReplicas).toBe(3);
    expect(d.reasons).toContain('no metric has data: holding');
  });

  it('not-ready instances count as 0% on scale-up', () => {
    // 2 ready at 100% (ratio 2) + 2 starting: (100+100+0+0)/4 = 50 -> ratio 1, no change.
    const d = decide(
      input({
        currentReplicas: 4,
        instances: ready(2, 2),
        metrics: { cpu_percent: perInstance([100, 100, 5, 5]) },
      }),
    );
    expect(d.desiredReplicas).toBe(4);
    expect(d.proposals[0]!.note).toContain('2 not-ready instance(s) counted as 0%');
    // 2 ready at 150%: (300)/4/50 = 1.5 -> ceil(1.5 x 4) = 6, not ceil(3 x 4) = 12.
    const up = decide(
      input({
        currentReplicas: 4,
        instances: ready(2, 2),
        metrics: { cpu_percent: perInstance([150, 150]) },
      }),
    );
    expect(up.desiredReplicas).toBe(6);
  });

  it('not-ready instances are skipped on scale-down', () => {
    const d = decide(
      input({
        currentReplicas: 4,
        instances: ready(2, 2),
        metrics: { cpu_percent: perInstance([20, 20, 90, 90]) },
      }),
    );
    // ratio 0.4 over the 2 ready -> ceil(0.8) = 1
    expect(d.proposals[0]!.proposedReplicas).toBe(1);
    expect(d.desiredReplicas).toBe(1);
  });

  it('ready instances without samples count as 100% on scale-down', () => {
    const d = decide(input({ metrics: { cpu_percent: perInstance([10, 10]) } }));
    // (10 + 10 + 50) / 3 / 50 = 0.467 -> ceil(1.4) = 2
    expect(d.proposals[0]!.proposedReplicas).toBe(2);
    expect(d.proposals[0]!.note).toContain('1 instance(s) without samples counted as 100%');
  });
});

describe('decide: stabilization', () => {
  it('scale-down takes the highest recommendation of the down window', () => {
    const history = [
      { at: T0 - 200 * S, replicas: 5 },
      { at: T0 - 100 * S, replicas: 4 },
    ];
    const d = decide(input({ currentReplicas: 5, history, metrics: { cpu_percent: { app: 10 } } }));
    expect(d.recommendedReplicas).toBe(1);
    expect(d.desiredReplicas).toBe(5);
    expect(d.limitedBy).toBe('stabilization window (down, 300s)');
    const later = decide(
      input({
        currentReplicas: 5,
        history,
        now: T0 + 101 * S,
        metrics: { cpu_percent: { app: 10 } },
      }),
    );
    expect(later.desiredReplicas).toBe(4);
    const after = decide(
      input({
        currentReplicas: 5,
        history,
        now: T0 + 201 * S,
        metrics: { cpu_percent: { app: 10 } },
      }),
    );
    expect(after.desiredReplicas).toBe(1);
  });

  it('scale-up takes the lowest recommendation of the up window', () => {
    const p = policy({ scaleUp: { ...DEFAULT_POLICY.scaleUp, stabilizationSeconds: 60 } });
    const history = [{ at: T0 - 30 * S, replicas: 4 }];
    const d = decide(input({ policy: p, history, metrics: { cpu_percent: { app: 90 } } }));
    expect(d.desiredReplicas).toBe(4);
    expect(d.limitedBy).toBe('stabilization window (up, 60s)');
  });
});

describe('decide: rate policies', () => {
  const big = { cpu_percent: { app: 250 } }; // ratio 5
  it('defaults: max(100%, 4 pods) per 15 s', () => {
    expect(
      decide(input({ currentReplicas: 2, instances: ready(2), metrics: big })).desiredReplicas,
    ).toBe(6);
    expect(
      decide(input({ currentReplicas: 8, instances: ready(8), metrics: big })).desiredReplicas,
    ).toBe(16);
  });

  it('select Min takes the strictest policy, Disabled forbids', () => {
    const min = policy({ scaleUp: { ...DEFAULT_POLICY.scaleUp, selectPolicy: 'Min' } });
    const d = decide(input({ policy: min, currentReplicas: 2, instances: ready(2), metrics: big }));
    expect(d.desiredReplicas).toBe(4);
    expect(d.limitedBy).toBe('rate policy Percent 100%/15s');
    const off = policy({ scaleUp: { ...DEFAULT_POLICY.scaleUp, selectPolicy: 'Disabled' } });
    expect(decide(input({ policy: off, metrics: big })).desiredReplicas).toBe(3);
  });

  it('counts the scale events of the period from the replicas at its start', () => {
    // 2 -> 6 five seconds ago: the period started at 2, Pods 4 allows 6, Percent 100% allows 4.
    const scaleEvents = [{ at: T0 - 5 * S, change: 4 }];
    const d = decide(input({ currentReplicas: 6, instances: ready(6), scaleEvents, metrics: big }));
    expect(d.desiredReplicas).toBe(6);
    expect(d.limitedBy).toBe('rate policy Pods 4/15s');
    const later = decide(
      input({
        currentReplicas: 6,
        instances: ready(6),
        scaleEvents,
        now: T0 + 11 * S,
        metrics: big,
      }),
    );
    expect(later.desiredReplicas).toBe(12);
  });

  it('scale-down policies: Pods 1 per 60 s', () => {
    const p = policy({
      scaleDown: {
        tolerance: 0.1,
        stabilizationSeconds: 0,
        policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
        selectPolicy: 'Max',
      },
    });
    const d = decide(
      input({
        policy: p,
        currentReplicas: 5,
        instances: ready(5),
        metrics: { cpu_percent: { app: 5 } },
      }),
    );
    expect(d.desiredReplicas).toBe(4);
    expect(d.limitedBy).toBe('rate policy Pods 1/60s');
    const again = decide(
      input({
        policy: p,
        currentReplicas: 4,
        instances: ready(4),
        scaleEvents: [{ at: T0 - 30 * S, change: -1 }],
        metrics: { cpu_percent: { app: 5 } },
      }),
    );
    expect(again.desiredReplicas).toBe(4);
  });
});

describe('decide: cooldown and bounds', () => {
  it('cooldown blocks a scale-down, not a scale-up', () => {
    const p = policy({
      cooldownSeconds: 180,
      scaleDown: { ...DEFAULT_POLICY.scaleDown, stabilizationSeconds: 0 },
    });
    const lastScaledAt = T0 - 60 * S;
    const down = decide(input({ policy: p, lastScaledAt, metrics: { cpu_percent: { app: 10 } } }));
    expect(down.desiredReplicas).toBe(3);
    expect(down.limitedBy).toBe('cooldown');
    expect(down.cooldownRemainingMs).toBe(120 * S);
    const up = decide(input({ policy: p, lastScaledAt, metrics: { cpu_percent: { app: 90 } } }));
    expect(up.desiredReplicas).toBe(6);
  });

  it('max and min replicas bound the result', () => {
    const p = policy({ maxReplicas: 5, minReplicas: 2 });
    const up = decide(input({ policy: p, metrics: { cpu_percent: { app: 90 } } }));
    expect(up).toMatchObject({ desiredReplicas: 5, limitedBy: 'max_replicas' });
    const noStab = { ...p, scaleDown: { ...p.scaleDown, stabilizationSeconds: 0 } };
    const down = decide(input({ policy: noStab, metrics: { cpu_percent: { app: 5 } } }));
    expect(down).toMatchObject({ desiredReplicas: 2, limitedBy: 'min_replicas' });
    const over = decide(input({ policy: p, currentReplicas: 7, instances: ready(7), metrics: {} }));
    expect(over).toMatchObject({ desiredReplicas: 5, limitedBy: 'max_replicas' });
    const under = decide(
      input({ policy: p, currentReplicas: 1, instances: ready(1), metrics: {} }),
    );
    expect(under.desiredReplicas).toBe(2);
  });
});

describe('decide: scale to zero and activation', () => {
  const zero = policy({
    minReplicas: 0,
    scaleToZeroIdleSeconds: 60,
    activationMetric: 'rps',
    activationThreshold: 1,
    targets: { cpu_percent: 50, rps: 50 },
  });

  it('scales to zero after the idle period, only with min 0', () => {
    const idle = decide(
      input({ policy: zero, lastActiveAt: T0 - 61 * S, metrics: { cpu_percent: { app: 30 } } }),
    );
    expect(idle).toMatchObject({ desiredReplicas: 0, limitedBy: 'scale to zero (idle)' });
    const recent = decide(
      input({ policy: zero, lastActiveAt: T0 - 30 * S, metrics: { cpu_percent: { app: 2 } } }),
    );
    expect(recent.desiredReplicas).toBe(1);
    const noIdle = decide(
      input({
        policy: { ...zero, scaleToZeroIdleSeconds: 0 },
        lastActiveAt: T0 - 999 * S,
        metrics: { cpu_percent: { app: 2 } },
      }),
    );
    expect(noIdle.desiredReplicas).toBe(1);
  });

  it('activates from zero when the metric crosses the threshold', () => {
    const base = { policy: zero, currentReplicas: 0, instances: [] };
    expect(decide(input({ ...base, activationValue: 0.5 })).desiredReplicas).toBe(0);
    expect(decide(input({ ...base })).desiredReplicas).toBe(0);
    const wake = decide(input({ ...base, activationValue: 120 }));
    expect(wake.desiredReplicas).toBe(3);
    expect(wake.reasons.at(-1)).toContain('activation: rps 120 > threshold 1');
    const storm = decide(input({ ...base, activationValue: 5000 }));
    expect(storm).toMatchObject({ desiredReplicas: 4, limitedBy: 'rate policy Pods 4/15s' });
    const minOne = decide(input({ ...base, policy: { ...zero, minReplicas: 2 } }));
    expect(minOne.desiredReplicas).toBe(2);
  });
});

describe('decide: predictive lead (our engine option)', () => {
  it('provisions ahead on a rising trend, never scales down from it', () => {
    const p = policy({ targets: { rps: 50 } });
    const metrics = { rps: { app: 150, trendPerSecond: 10 } }; // 3 x 50: at target
    expect(decide(input({ policy: p, metrics })).desiredReplicas).toBe(3);
    const ahead = decide(input({ policy: p, metrics, options: { predictiveLeadSeconds: 10 } }));
    // 150 + 10 x 10 = 250, capped at +30%: 195 -> 4 replicas
    expect(ahead.desiredReplicas).toBe(4);
    expect(ahead.proposals[0]!.note).toContain('predicted');
    const falling = decide(
      input({
        policy: p,
        metrics: { rps: { app: 150, trendPerSecond: -10 } },
        options: { predictiveLeadSeconds: 10 },
      }),
    );
    expect(falling.desiredReplicas).toBe(3);
  });
});

describe('decide: latency-aware proposals (our engine option)', () => {
  const p = policy({ targets: { latency_p95: 250 } });
  const opts = { predictiveLeadSeconds: 10, queueAwareLatency: true, latencyHeadroom: 1 };

  it('HPA reads latency linearly; the queue model keeps a saturated p95 bounded', () => {
    const metrics = { latency_p95: { app: 5000, baseline: 60 } };
    // Linear: ratio 20 -> 60, rate-limited to 3 + 4.
    expect(decide(input({ policy: p, metrics })).recommendedReplicas).toBe(60);
    // Queue: (1 - 60/5000) / (1 - 60/250) = 1.3 -> 4.
    const q = decide(input({ policy: p, metrics, options: opts }));
    expect(q.recommendedReplicas).toBe(4);
    expect(q.proposals[0]!.note).toContain('queue-aware');
  });

  it('the p95 target is a ceiling: a small excess scales up', () => {
    const metrics = { latency_p95: { app: 260, baseline: 60 } };
    expect(decide(input({ policy: p, metrics })).desiredReplicas).toBe(3);
    expect(decide(input({ policy: p, metrics, options: opts })).desiredReplicas).toBe(4);
  });

  it('a latency window that predates a scale-up does not compound it', () => {
    const metrics = { latency_p95: { app: 900, baseline: 60 } };
    const starting = decide(
      input({ policy: p, metrics, options: opts, currentReplicas: 10, instances: ready(9, 1) }),
    );
    expect(starting.desiredReplicas).toBe(10);
    expect(starting.proposals[0]!.note).toContain('scale-up in flight');
    const recent = decide(
      input({ policy: p, metrics, options: opts, scaleEvents: [{ at: T0 - 5 * S, change: 1 }] }),
    );
    expect(recent.desiredReplicas).toBe(3);
  });
});

describe('decide: the bench-won design (issue 14)', () => {
  it('sizes latency to 80% of the objective: p95 240 under a 250 SLO already scales up', () => {
    const p = policy({ targets: { latency_p95: 250 } });
    const metrics = { latency_p95: { app: 240, baseline: 60 } };
    const at = (latencyHeadroom: number) =>
      decide(input({ policy: p, metrics, options: { queueAwareLatency: true, latencyHeadroom } }));
    expect(at(1).desiredReplicas).toBe(3);
    // u = 1 - 60/240 = 0.75 vs 1 - 60/200 = 0.7: ceil(3 x 1.07) = 4.
    expect(at(0.8).desiredReplicas).toBe(4);
  });

  it('over the objective, rps is read at the fitted level of the newest sample', () => {
    const p = policy({ targets: { rps: 50, latency_p95: 250 }, evaluationWindowSeconds: 15 });
    const rps = { app: 150, trendPerSecond: 20 };
    const run = (p95: number, levelWhenHot: boolean) =>
      decide(
        input({
          policy: p,
          metrics: { rps, latency_p95: { app: p95, baseline: 60 } },
          options: { predictiveLeadSeconds: 0, queueAwareLatency: true, levelWhenHot },
        }),
      ).proposals.find((x) => x.metric === 'rps')!.proposedReplicas;
    // Mean 150 on 3 -> ratio 1 -> 3; the level now is 150 + 20 x 7.5 = 300 -> 6.
    expect(run(400, false)).toBe(3);
    expect(run(400, true)).toBe(6);
    // Under the objective the mean stands.
    expect(run(200, true)).toBe(3);
  });
});

describe('decide: no latency reversal inside the tolerance after a scale-down (issue 14 flaps)', () => {
  const p = policy({ targets: { latency_p95: 250 } });
  const options = { queueAwareLatency: true, latencyHeadroom: 0.8, predictiveLeadSeconds: 0 };
  const run = (
    current: number,
    p95: number,
    baseline: number,
    scaleEvents = [] as { at: number; change: number }[],
  ) =>
    decide(
      input({
        policy: p,
        currentReplicas: current,
        instances: ready(current),
        metrics: { latency_p95: { app: p95, baseline } },
        scaleEvents,
        options,
      }),
    ).desiredReplicas;

  it('sawtooth: p95 202 ms (sizing point 200) 10 s after 13 -> 12 keeps 12', () => {
    // u = 1 - 73/202.39 vs 1 - 73/200: ratio 1.007, ceil(12 x 1.007) = 13 with no tolerance.
    expect(run(12, 202.39, 73, [{ at: T0 - 10 * S, change: -1 }])).toBe(12);
  });

  it('double spike: p95 201 ms at unchanged load 75 s after 23 -> 15 keeps 15', () => {
    expect(run(15, 200.96, 65, [{ at: T0 - 75 * S, change: -8 }])).toBe(15);
  });

  it('still scales up over the band, over the objective, or with no recent scale-down', () => {
    const down = [{ at: T0 - 10 * S, change: -1 }];
    // 10% over the 200 ms sizing point is 220 ms.
    expect(run(12, 225, 73, down)).toBe(13);
    expect(run(12, 202.39, 73, [{ at: T0 - 301 * S, change: -1 }])).toBe(13);
    // The last action was a scale-up (after the scale-down): no reversal to guard.
    const upLast = [
      { at: T0 - 200 * S, change: -1 },
      { at: T0 - 100 * S, change: 1 },
    ];
    expect(run(12, 202.39, 73, upLast)).toBe(13);
    expect(run(12, 202.39, 73)).toBe(13);
    // Headroom 1: the band is capped at the objective, any excess over it acts.
    const ceiling = decide(
      input({
        policy: p,
        currentReplicas: 12,
        instances: ready(12),
        metrics: { latency_p95: { app: 255, baseline: 73 } },
        scaleEvents: down,
        options: { ...options, latencyHeadroom: 1 },
      }),
    );
    expect(ceiling.desiredReplicas).toBe(13);
  });
});

describe('decide: no scale-down while demand climbs back from its low (issue 14 flaps)', () => {
  // A night trough of a compressed week: the last peak (7) is about to leave the 300 s window,
  // demand bottomed out at 3 two minutes ago and is back at 5.
  const history = [
    { at: T0 - 280 * S, replicas: 7 },
    { at: T0 - 120 * S, replicas: 3 },
    { at: T0 - 60 * S, replicas: 4 },
  ];
  const run = (cpu: number, holdDownWhileRising: boolean, h = history) =>
    decide(
      input({
        policy: policy({ targets: { cpu_percent: 50 } }),
        currentReplicas: 8,
        instances: ready(8),
        metrics: { cpu_percent: { app: cpu } },
        history: h,
        options: { holdDownWhileRising },
      }),
    );

  it('keeps 8 where the HPA window alone would drop to its peak of 7', () => {
    // 8 x 30/50 = 4.8 -> 5, above the window's low of 3.
    expect(run(30, false).desiredReplicas).toBe(7);
    const held = run(30, true);
    expect(held.desiredReplicas).toBe(8);
    expect(held.limitedBy).toBe('rising demand');
    expect(held.reasons).toContain(
      "rising demand: 5 is above the window's low of 3, no scale-down",
    );
  });

  it('scales down at the low, and once the low has left the window', () => {
    // 8 x 18.75/50 = 3: the low itself.
    expect(run(18.75, true).desiredReplicas).toBe(7);
    // Only the peak and the recent 4 remain inside 300 s: 5 is still above 4.
    expect(run(30, true, [history[0]!, history[2]!]).desiredReplicas).toBe(8);
    // Nothing lower recorded: falling demand goes down as the HPA's window allows.
    expect(run(30, true, [history[0]!]).desiredReplicas).toBe(7);
  });

  it('is off under hpa_compatible', () => {
    const d = decide(
      input({
        policy: policy({ targets: { cpu_percent: 50 }, hpaCompatible: true }),
        currentReplicas: 8,
        instances: ready(8),
        metrics: { cpu_percent: { app: 30 } },
        history,
        options: { holdDownWhileRising: true },
      }),
    );
    expect(d.desiredReplicas).toBe(7);
  });
});

describe('decide: reversal memory (issue 14 flaps)', () => {
  // The last peak (8) is 400 s old: outside the 300 s window, inside a doubled one.
  const history = [
    { at: T0 - 400 * S, replicas: 8 },
    { at: T0 - 30 * S, replicas: 2 },
  ];
  const undone = [
    { at: T0 - 1500 * S, change: -4 },
    { at: T0 - 1380 * S, change: 4 },
  ];
  const run = (scaleEvents: { at: number; change: number }[], reversalMemory = true) =>
    decide(
      input({
        policy: policy({ targets: { cpu_percent: 50 } }),
        currentReplicas: 8,
        instances: ready(8),
        metrics: { cpu_percent: { app: 10 } },
        history,
        scaleEvents,
        options: { reversalMemory, holdDownWhileRising: false },
      }),
    );

  it('a scale-down undone 120 s later doubles the down window: the 400 s old peak holds 8', () => {
    expect(run(undone, false).desiredReplicas).toBe(2);
    const held = run(undone);
    expect(held.desiredReplicas).toBe(8);
    expect(held.limitedBy).toBe('stabilization window (down, 600s)');
    expect(held.reasons.some((r) => r.startsWith('reversal memory: the scale-down at'))).toBe(true);
  });

  it('forgets after six windows, and ignores a scale-up that came a window or more later', () => {
    const old = undone.map((e) => ({ ...e, at: e.at - 500 * S }));
    expect(run(old).desiredReplicas).toBe(2);
    const late = [
      { at: T0 - 1500 * S, change: -4 },
      { at: T0 - 1200 * S, change: 4 },
    ];
    expect(run(late).desiredReplicas).toBe(2);
  });
});
