import { prng, type Trace } from './traces.js';

/**
 * A second trace family, built differently from traces.ts (which tuned the
 * engine): eleven kinds of load an outside evaluator would try, each seeded
 * so a run replays exactly and other seeds give other instances of the same
 * kind. Shapes are drawn per seed (times, heights, noise), so a design that
 * fits one draw does not automatically fit the next.
 */

const MIN = 60;

/** Multiplicative noise of +-pct, fixed per second. */
function withNoise(base: (t: number) => number, pct: number, rnd: () => number, seconds: number) {
  const f = Array.from({ length: seconds }, () => 1 + (rnd() * 2 - 1) * pct);
  return (t: number) => Math.max(0, base(t) * (f[Math.min(seconds - 1, Math.max(0, t))] ?? 1));
}

/** A uniform draw in [a, b). */
function between(rnd: () => number, a: number, b: number): number {
  return a + rnd() * (b - a);
}

function flashCrowd(seed: number): Trace {
  const rnd = prng(seed * 101 + 1);
  const seconds = 45 * MIN;
  const at = Math.round(between(rnd, 8, 15) * MIN);
  const peak = between(rnd, 1200, 1800);
  const decay = between(rnd, 4, 10) * MIN;
  const base = (t: number) => (t < at ? 150 : 150 + peak * Math.exp(-(t - at) / decay));
  return { name: 'flash-crowd', seconds, rpsAt: withNoise(base, 0.05, rnd, seconds) };
}

function doubleSpike(seed: number): Trace {
  const rnd = prng(seed * 101 + 2);
  const seconds = 40 * MIN;
  const first = Math.round(between(rnd, 8, 12) * MIN);
  const len = Math.round(between(rnd, 2, 4) * MIN);
  // The second spike comes back inside the 300 s down stabilization window.
  const gap = Math.round(between(rnd, 120, 280));
  const second = first + len + gap;
  const height = between(rnd, 700, 1100);
  const base = (t: number) =>
    (t >= first && t < first + len) || (t >= second && t < second + len) ? height : 200;
  return { name: 'double-spike', seconds, rpsAt: withNoise(base, 0.05, rnd, seconds) };
}

function rampThenStepDown(seed: number): Trace {
  const rnd = prng(seed * 101 + 3);
  const seconds = 60 * MIN;
  const top = between(rnd, 800, 1200);
  const end = Math.round(between(rnd, 35, 45) * MIN);
  const base = (t: number) => (t < end ? 100 + ((top - 100) * t) / end : 200);
  return { name: 'ramp-step-down', seconds, rpsAt: withNoise(base, 0.05, rnd, seconds) };
}

function sawtooth(seed: number): Trace {
  const rnd = prng(seed * 101 + 4);
  const seconds = 50 * MIN;
  // A period just around the 300 s stabilization window.
  const period = Math.round(between(rnd, 270, 340));
  const low = between(rnd, 150, 250);
  const high = between(rnd, 650, 850);
  const base = (t: number) => low + ((high - low) * (t % period)) / period;
  return { name: 'sawtooth-300s', seconds, rpsAt: withNoise(base, 0.05, rnd, seconds) };
}

function paretoBursts(seed: number): Trace {
  const rnd = prng(seed * 101 + 5);
  const seconds = 60 * MIN;
  const extra = new Float64Array(seconds);
  let t = 0;
  while (t < seconds) {
    t += Math.round(between(rnd, 30, 240));
    // Pareto(alpha 1.5, xm 100) burst heights, capped at 2,000 rps.
    const h = Math.min(2000, 100 / (1 - rnd()) ** (1 / 1.5));
    const len = Math.round(between(rnd, 5, 60));
    for (let s = t; s < Math.min(seconds, t + len); s++) extra[s] = h;
    t += len;
  }
  const base = (s: number) => 250 + (extra[s] ?? 0);
  return { name: 'pareto-bursts', seconds, rpsAt: withNoise(base, 0.1, rnd, seconds) };
}

function compressedWeek(seed: number): Trace {
  const rnd = prng(seed * 101 + 6);
  const day = 20 * MIN;
  const seconds = 7 * day;
  const peaks = Array.from({ length: 7 }, (_, d) =>
    d >= 5 ? between(rnd, 350, 550) : between(rnd, 800, 1100),
  );
  const base = (t: number) => {
    const d = Math.min(6, Math.floor(t / day));
    const phase = (t % day) / day;
    return 80 + (peaks[d]! - 80) * Math.max(0, Math.sin(Math.PI * phase)) ** 2;
  };
  return { name: 'compressed-week', seconds, rpsAt: withNoise(base, 0.1, rnd, seconds) };
}

function saturation(seed: number): Trace {
  const rnd = prng(seed * 101 + 7);
  const seconds = 40 * MIN;
  const at = Math.round(between(rnd, 8, 12) * MIN);
  const len = Math.round(between(rnd, 8, 14) * MIN);
  // Above what max_replicas (30 x 100 rps) can serve.
  const peak = between(rnd, 3200, 3800);
  const base = (t: number) => (t >= at && t < at + len ? peak : 300);
  return { name: 'saturation', seconds, rpsAt: withNoise(base, 0.05, rnd, seconds) };
}

function metricGaps(seed: number): Trace {
  const rnd = prng(seed * 101 + 8);
  const seconds = 45 * MIN;
  const gaps: [number, number][] = [];
  const steps: [number, number][] = [];
  let level = 200;
  for (let t = 5 * MIN; t < seconds - 5 * MIN; t += Math.round(between(rnd, 4, 7) * MIN)) {
    const len = Math.round(between(rnd, 20, 90));
    gaps.push([t, t + len]);
    // The load steps while nobody is looking.
    level = Math.max(100, Math.min(1200, level + between(rnd, -400, 600)));
    steps.push([t + Math.round(len / 2), level]);
  }
  const base = (t: number) => {
    let v = 200;
    for (const [at, l] of steps) if (t >= at) v = l;
    return v;
  };
  return {
    name: 'metric-gaps',
    seconds,
    rpsAt: withNoise(base, 0.05, rnd, seconds),
    gapAt: (t) => gaps.some(([a, b]) => t >= a && t < b),
  };
}

function idleBursts(seed: number): Trace {
  const rnd = prng(seed * 101 + 9);
  const seconds = 60 * MIN;
  const bursts: [number, number, number][] = [];
  for (let t = Math.round(between(rnd, 5, 10) * MIN); t < seconds; ) {
    const len = Math.round(between(rnd, 60, 180));
    bursts.push([t, t + len, between(rnd, 400, 900)]);
    t += len + Math.round(between(rnd, 6, 12) * MIN);
  }
  const base = (t: number) => {
    for (const [a, b, h] of bursts) if (t >= a && t < b) return h;
    return 5;
  };
  return { name: 'idle-bursts', seconds, rpsAt: withNoise(base, 0.05, rnd, seconds) };
}

function staircase(seed: number): Trace {
  const rnd = prng(seed * 101 + 10);
  const step = Math.round(between(rnd, 3, 5) * MIN);
  const height = between(rnd, 120, 180);
  const n = 7;
  const seconds = 2 * n * step;
  const base = (t: number) => {
    const k = Math.floor(t / step);
    return 150 + height * (k < n ? k : Math.max(0, 2 * n - 1 - k));
  };
  return { name: 'staircase', seconds, rpsAt: withNoise(base, 0.05, rnd, seconds) };
}

function outageRetryStorm(seed: number): Trace {
  const rnd = prng(seed * 101 + 11);
  const seconds = 45 * MIN;
  const normal = between(rnd, 350, 500);
  const down = Math.round(between(rnd, 12, 18) * MIN);
  const outage = Math.round(between(rnd, 60, 180));
  const storm = between(rnd, 2.5, 4);
  const decay = between(rnd, 60, 180);
  const base = (t: number) => {
    if (t < down) return normal;
    if (t < down + outage) return 0;
    return normal * (1 + (storm - 1) * Math.exp(-(t - down - outage) / decay));
  };
  return { name: 'outage-retry-storm', seconds, rpsAt: withNoise(base, 0.05, rnd, seconds) };
}

/** The eleven stress kinds, one trace each per seed. */
export const STRESS_TRACES: readonly ((seed: number) => Trace)[] = [
  flashCrowd,
  doubleSpike,
  rampThenStepDown,
  sawtooth,
  paretoBursts,
  compressedWeek,
  saturation,
  metricGaps,
  idleBursts,
  staircase,
  outageRetryStorm,
];
