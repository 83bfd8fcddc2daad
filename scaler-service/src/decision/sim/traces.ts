/** A load trace: requests per second offered at each second. */
export interface Trace {
  name: string;
  seconds: number;
  rpsAt(t: number): number;
  /** True for seconds in which no metric sample reaches the autoscaler (scrape/ingest gaps). */
  gapAt?(t: number): boolean;
}

/** Deterministic PRNG (mulberry32) so every run replays the same noise. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** +-pct uniform noise, fixed per second. */
function noisy(
  base: (t: number) => number,
  pct: number,
  seed: number,
  seconds: number,
): (t: number) => number {
  const rnd = prng(seed);
  const factors = Array.from({ length: seconds }, () => 1 + (rnd() * 2 - 1) * pct);
  return (t) =>
    Math.max(0, base(t) * (factors[Math.min(seconds - 1, Math.max(0, Math.floor(t)))] ?? 1));
}

const HOUR = 3600;

/** Flat 150 rps, a jump to 700 rps for 10 minutes, back to 150. */
export function spike(): Trace {
  const seconds = HOUR;
  const base = (t: number) => (t >= 900 && t < 1500 ? 700 : 150);
  return { name: 'spike', seconds, rpsAt: noisy(base, 0.05, 1, seconds) };
}

/** 100 -> 1000 rps over 30 minutes, 10 minutes flat, back down over 20 minutes. */
export function ramp(): Trace {
  const seconds = HOUR;
  const base = (t: number) => {
    if (t < 1800) return 100 + (900 * t) / 1800;
    if (t < 2400) return 1000;
    return Math.max(100, 1000 - (900 * (t - 2400)) / 1200);
  };
  return { name: 'ramp', seconds, rpsAt: noisy(base, 0.05, 2, seconds) };
}

/** A square wave between 200 and 600 rps, 4 minutes per half period. */
export function oscillation(): Trace {
  const seconds = HOUR;
  const base = (t: number) => (Math.floor(t / 240) % 2 === 0 ? 200 : 600);
  return { name: 'oscillation', seconds, rpsAt: noisy(base, 0.05, 3, seconds) };
}

/** A day compressed into 2 hours: night trough 80 rps, midday peak 900, with 10% noise. */
export function diurnal(): Trace {
  const seconds = 2 * HOUR;
  const base = (t: number) => 490 - 410 * Math.cos((2 * Math.PI * t) / seconds);
  return { name: 'diurnal', seconds, rpsAt: noisy(base, 0.1, 4, seconds) };
}

export const TRACES: readonly (() => Trace)[] = [spike, ramp, oscillation, diurnal];
