import type { InstanceState, MetricInput } from '../types.js';
import type { Controller } from './controllers.js';
import { cpuPercent, p95Ms, type ServiceModel } from './service.js';
import type { Trace } from './traces.js';

export interface SimOptions {
  initialReplicas: number;
  /** Seconds of samples each evaluation aggregates. */
  windowSeconds: number;
  /** A direction reversal closer than this to the previous action is a flap. */
  flapWindowSeconds: number;
  /** Called on every scaling action (debugging a trace). */
  onAction?: (t: number, from: number, to: number) => void;
}

export interface SimResult {
  trace: string;
  controller: string;
  /** Seconds in which p95 latency exceeded the SLO. */
  sloViolationSeconds: number;
  /** Sum over seconds of instances that existed (starting ones cost too). */
  replicaSeconds: number;
  flaps: number;
  /** Each flap: what was undone, and how the load compared with what the undone action saw. */
  flapDetails: Flap[];
  actions: number;
  peakReplicas: number;
}

/**
 * A direction reversal within the flap window. `loadRatio` is the load of the
 * window before the reversing action over the highest load of the down
 * stabilization window before the undone one: above 1 + tolerance, load came
 * that no window the undone action looked at had shown (a new burst, a step
 * in a metric gap); at or below it, the controller undid itself.
 */
export interface Flap {
  undoneAt: number;
  at: number;
  /** Replicas before the undone action, after it, and after the reversal. */
  counts: [before: number, undone: number, after: number];
  loadRatio: number;
}

interface Inst {
  id: number;
  readyAt: number;
}

function slope(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  let my = 0;
  for (const y of ys) my += y;
  my /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (i - mx) * (ys[i]! - my);
    den += (i - mx) ** 2;
  }
  return num / den;
}

function percentile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

function meanLoad(trace: Trace, from: number, to: number): number {
  let sum = 0;
  for (let s = from; s <= to; s++) sum += trace.rpsAt(s);
  return sum / (to - from + 1);
}

/** The highest window mean in [from, to], windows as the controllers read load. */
function peakLoad(trace: Trace, from: number, to: number, window: number): number {
  let peak = 0;
  for (let s = from; s + window - 1 <= to; s += 5) {
    peak = Math.max(peak, meanLoad(trace, s, s + window - 1));
  }
  return peak || meanLoad(trace, from, to);
}

/**
 * Replays a trace second by second through a controller: only ready replicas
 * take load, new ones are ready after the model's start-up delay, a
 * scale-in removes not-ready replicas first, then the newest (as the
 * reconciler does). Deterministic.
 */
export function simulate(
  trace: Trace,
  controller: Controller,
  model: ServiceModel,
  options: SimOptions,
): SimResult {
  let nextId = 1;
  let instances: Inst[] = Array.from({ length: options.initialReplicas }, () => ({
    id: nextId++,
    readyAt: -1,
  }));
  // Samples per second; undefined in a metric gap (the service still runs).
  const rps: (number | undefined)[] = [];
  const p95: (number | undefined)[] = [];
  const cpu: Map<number, number>[] = [];
  const result: SimResult = {
    trace: trace.name,
    controller: controller.name,
    sloViolationSeconds: 0,
    replicaSeconds: 0,
    flaps: 0,
    flapDetails: [],
    actions: 0,
    peakReplicas: instances.length,
  };
  let last: { t: number; dir: number; from: number; to: number; seen: number } | undefined;
  let minP95 = Number.POSITIVE_INFINITY;
  for (let t = 0; t < trace.seconds; t++) {
    const load = trace.rpsAt(t);
    const ready = instances.filter((i) => i.readyAt <= t);
    const lat = p95Ms(model, load, ready.length);
    const c = cpuPercent(model, load, ready.length);
    const gap = trace.gapAt?.(t) === true;
    rps.push(gap ? undefined : load);
    p95.push(gap ? undefined : lat);
    cpu.push(gap ? new Map() : new Map(instances.map((i) => [i.id, i.readyAt <= t ? c : 1])));
    if (lat > model.sloP95Ms) result.sloViolationSeconds++;
    if (!gap) minP95 = Math.min(minP95, lat);
    result.replicaSeconds += instances.length;
    if (t === 0 || t % controller.intervalSeconds !== 0) continue;

    const from = Math.max(0, t - options.windowSeconds + 1);
    const perInstance = new Map<number, number>();
    for (const inst of instances) {
      let sum = 0;
      let n = 0;
      for (let s = from; s <= t; s++) {
        const v = cpu[s]!.get(inst.id);
        if (v !== undefined) {
          sum += v;
          n++;
        }
      }
      if (n) perInstance.set(inst.id, sum / n);
    }
    const win = rps.slice(from, t + 1).filter((v): v is number => v !== undefined);
    const lats = p95.slice(from, t + 1).filter((v): v is number => v !== undefined);
    const states: InstanceState[] = instances.map((i) => ({ id: i.id, ready: i.readyAt <= t }));
    // A window without samples: the metrics are reported but have no data (invalid).
    const metrics: Record<string, MetricInput> = {
      cpu_percent: { perInstance },
      rps: win.length
        ? { app: win.reduce((a, b) => a + b, 0) / win.length, trendPerSecond: slope(win) }
        : {},
      latency_p95: lats.length ? { app: percentile(lats, 0.95), baseline: minP95 } : {},
    };
    const desired = controller.evaluate({
      now: t * 1000,
      currentReplicas: instances.length,
      instances: states,
      metrics,
    });
    if (desired === instances.length) continue;
    const dir = Math.sign(desired - instances.length);
    result.actions++;
    if (last && last.dir !== dir && t - last.t < options.flapWindowSeconds) {
      result.flaps++;
      result.flapDetails.push({
        undoneAt: last.t,
        at: t,
        counts: [last.from, last.to, desired],
        loadRatio: meanLoad(trace, from, t) / Math.max(1e-9, last.seen),
      });
    }
    const seenFrom = Math.max(0, t - options.flapWindowSeconds);
    last = {
      t,
      dir,
      from: instances.length,
      to: desired,
      seen: peakLoad(trace, seenFrom, t, options.windowSeconds),
    };
    options.onAction?.(t, instances.length, desired);
    if (desired > instances.length) {
      while (instances.length < desired) {
        instances.push({ id: nextId++, readyAt: t + model.startupSeconds });
      }
    } else {
      // Not-ready first, then newest.
      instances = [...instances]
        .sort((a, b) => Number(a.readyAt > t) - Number(b.readyAt > t) || a.id - b.id)
        .slice(0, desired);
    }
    result.peakReplicas = Math.max(result.peakReplicas, instances.length);
  }
  return result;
}
