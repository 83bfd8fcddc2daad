import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  ENGINE_OPTIONS,
  HPA_SCALE_DOWN,
  HPA_SCALE_UP,
} from '../decision/defaults.js';
import { engineController } from '../decision/sim/controllers.js';
import { prng } from '../decision/sim/traces.js';
import type { InstanceState, MetricInput, Policy, ScalingMetric } from '../decision/types.js';
import { evaluateRecorded } from './recorded-evaluation.js';
import { RowHistoryStore } from './row-history-store.js';

/**
 * Property: the control loop's history handling (evaluateRecorded over
 * scaling_decisions' row semantics, with the loop's prune) and the
 * simulator's (engineController) decide the same on random sequences of
 * per-instance samples, readiness, missing metrics, manual count changes and
 * gaps. Seeded and bounded; HISTORY_PARITY_SEQUENCES=10000 for the long run.
 */
const SEQUENCES = Number(process.env.HISTORY_PARITY_SEQUENCES ?? 1000);
const T0 = Date.UTC(2025, 0, 1);
const PRUNE_MS = 2 * 3_600_000;

interface Step {
  now: number;
  current: number;
  instances: InstanceState[];
  metrics: Partial<Record<ScalingMetric, MetricInput>>;
}

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

function randomPolicy(rnd: () => number): Policy {
  const max = 2 + Math.floor(rnd() * 10);
  return {
    ...DEFAULT_POLICY,
    minReplicas: 1 + Math.floor(rnd() * 2),
    maxReplicas: max,
    cooldownSeconds: pick(rnd, [0, 0, 30, 180]),
    targets: { cpu_percent: 50, ...(rnd() < 0.4 ? { memory_percent: 60 } : {}), latency_p95: 250 },
    scaleUp: { ...HPA_SCALE_UP, stabilizationSeconds: pick(rnd, [0, 0, 30, 60]) },
    scaleDown: { ...HPA_SCALE_DOWN, stabilizationSeconds: pick(rnd, [0, 15, 60, 300]) },
    hpaCompatible: rnd() < 0.5,
  };
}

function perInstance(rnd: () => number, ids: readonly number[], level: number): MetricInput {
  const m = new Map<number, number>();
  for (const id of ids) if (rnd() > 0.15) m.set(id, Math.max(0, level + (rnd() - 0.5) * 40));
  return { perInstance: m };
}

/** The observation at one evaluation, for a given current count. */
function observe(rnd: () => number, policy: Policy, now: number, current: number): Step {
  const instances = Array.from({ length: current }, (_, i) => ({ id: i + 1, ready: rnd() > 0.2 }));
  const ids = instances.map((i) => i.id);
  const level = rnd() * 150;
  const metrics: Step['metrics'] = {};
  // Sometimes the metric is reported but has no samples (invalid).
  metrics.cpu_percent = rnd() < 0.1 ? { perInstance: new Map() } : perInstance(rnd, ids, level);
  if (policy.targets.memory_percent) metrics.memory_percent = perInstance(rnd, ids, level * 0.8);
  if (rnd() < 0.5) metrics.latency_p95 = { app: 60 + rnd() * 600, baseline: 60 };
  return { now, current, instances, metrics };
}

async function runSequence(seed: number): Promise<{ loop: string[]; sim: string[] }> {
  const rnd = prng(seed);
  const policy = randomPolicy(rnd);
  const sim = engineController('sim', policy, ENGINE_OPTIONS, 15);
  const store = new RowHistoryStore();
  const steps = 10 + Math.floor(rnd() * 40);
  let now = T0;
  let current = policy.minReplicas + Math.floor(rnd() * 3);
  const loopOut: string[] = [];
  const simOut: string[] = [];
  for (let i = 0; i < steps; i++) {
    now += 1000 * pick(rnd, [5, 15, 15, 15, 30, 60, 61, 300, 301, 900]);
    // Someone changes the count by hand now and then (even outside the bounds).
    if (rnd() < 0.05) current = Math.floor(rnd() * (policy.maxReplicas + 3));
    const obs = observe(rnd, policy, now, current);
    store.prune(now - PRUNE_MS);
    const { decision } = await evaluateRecorded(
      store,
      {
        appName: 'sim',
        policy,
        currentReplicas: obs.current,
        instances: obs.instances,
        metrics: obs.metrics,
        reported: new Set(Object.keys(obs.metrics) as ScalingMetric[]),
        now,
        options: ENGINE_OPTIONS,
      },
      store.lastScaledAt,
      true,
    );
    const simDesired = sim.evaluate({
      now,
      currentReplicas: obs.current,
      instances: obs.instances,
      metrics: obs.metrics,
    });
    loopOut.push(`${now - T0}:${decision.desiredReplicas}`);
    simOut.push(`${now - T0}:${simDesired}`);
    current = decision.desiredReplicas;
  }
  return { loop: loopOut, sim: simOut };
}

describe('history parity: control loop vs simulator', () => {
  it(`decides the same on ${SEQUENCES} random sequences`, async () => {
    let evaluations = 0;
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const { loop, sim } = await runSequence(seed);
      evaluations += loop.length;
      if (loop.join() !== sim.join()) {
        expect({ seed, loop }).toEqual({ seed, loop: sim });
      }
    }
    expect(evaluations).toBeGreaterThan(SEQUENCES * 10);
  }, 300_000);
});
