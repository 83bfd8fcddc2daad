import { decide } from './engine.js';
import { REVERSAL_MEMORY_WINDOWS } from './stabilize.js';
import type { Decision, EngineInput, Policy, Recommendation, ScaleEvent } from './types.js';

/**
 * What the autoscaler remembers about an app between evaluations, as the HPA
 * keeps it: the unstabilized recommendations (stabilization windows), the
 * scaling actions (rate-policy periods) and when it last scaled (our
 * cooldown). The production loop keeps it in scaling_decisions, the
 * simulator in memory; both go through `evaluateWithHistory`, so the rules of
 * what is seeded, recorded and read back live here once.
 */
export interface HistoryView {
  /** Recommendations recorded inside the history horizon, oldest first. */
  recommendations: readonly Recommendation[];
  /** Scaling actions inside the history horizon, oldest first. */
  scaleEvents: readonly ScaleEvent[];
  lastScaledAt?: number;
  /** Whether any recommendation was ever recorded for the app (even outside the horizon). */
  started: boolean;
}

/** What one evaluation adds to the history. */
export interface HistoryWrites {
  /** HPA reconcileAutoscaler's first entry: the current count, recorded at the first evaluation. */
  seed?: Recommendation;
  /** The unstabilized recommendation (absent where the HPA records none). */
  recommendation?: Recommendation;
  /** The scaling action carried out. */
  event?: ScaleEvent;
}

/**
 * Seconds of recommendations the stabilization windows and rate periods look
 * at; for our engine twice the down window (the reversal memory doubles it).
 */
export function historySeconds(p: Policy): number {
  return Math.max(
    p.scaleUp.stabilizationSeconds,
    p.scaleDown.stabilizationSeconds * (p.hpaCompatible ? 1 : 2),
    ...p.scaleUp.policies.map((x) => x.periodSeconds),
    ...p.scaleDown.policies.map((x) => x.periodSeconds),
    1,
  );
}

/**
 * Seconds of scaling actions the engine looks at: the history's, and for our
 * engine as far back as a reversal is remembered (an undone scale-down and
 * the scale-up that undid it). Actions are rare rows, so reading them further
 * back than the recommendations costs little.
 */
function eventHistorySeconds(p: Policy): number {
  const own = historySeconds(p);
  if (p.hpaCompatible) return own;
  return Math.max(own, (REVERSAL_MEMORY_WINDOWS + 1) * p.scaleDown.stabilizationSeconds);
}

/** From when to read an app's history at `now`: recommendations, and scaling actions. */
export interface Horizon {
  since: Date;
  eventsSince: Date;
}

export function horizonOf(p: Policy, now: number): Horizon {
  return {
    since: new Date(now - historySeconds(p) * 1000),
    eventsSince: new Date(now - eventHistorySeconds(p) * 1000),
  };
}

/** Everything of an EngineInput except what comes from the history. */
export type EngineBase = Omit<EngineInput, 'history' | 'scaleEvents' | 'lastScaledAt'>;

/**
 * One evaluation over a kept history: seeds `{now, current}` only when the
 * app never had a recommendation (HPA: `if a.recommendations[key] == nil`;
 * a gap longer than the window is not "never"), decides, and says what to
 * record. `acts` is false for a manual-mode app (decided, not carried out).
 */
export function evaluateWithHistory(
  view: HistoryView,
  base: EngineBase,
  acts = true,
): { decision: Decision; writes: HistoryWrites; acted: boolean } {
  const { now, currentReplicas: current } = base;
  const seed = view.started ? undefined : { at: now, replicas: current };
  const decision = decide({
    ...base,
    history: seed ? [...view.recommendations, seed] : view.recommendations,
    scaleEvents: view.scaleEvents,
    ...(view.lastScaledAt === undefined ? {} : { lastScaledAt: view.lastScaledAt }),
  });
  const acted = acts && decision.desiredReplicas !== current;
  const writes: HistoryWrites = {};
  if (seed) writes.seed = seed;
  if (decision.record) writes.recommendation = { at: now, replicas: decision.recommendedReplicas };
  if (acted) writes.event = { at: now, change: decision.desiredReplicas - current };
  return { decision, writes, acted };
}

/**
 * The history in memory (the simulator, tests): keeps what falls inside the
 * policy's horizons, remembers that it started.
 */
export class MemoryHistory {
  private recs: Recommendation[] = [];
  private events: ScaleEvent[] = [];
  private lastScaledAt: number | undefined;
  private started = false;

  constructor(private readonly policy: Policy) {}

  view(now: number): HistoryView {
    const { since, eventsSince } = horizonOf(this.policy, now);
    this.recs = this.recs.filter((r) => r.at > since.getTime());
    this.events = this.events.filter((e) => e.at > eventsSince.getTime());
    return {
      recommendations: this.recs,
      scaleEvents: this.events,
      ...(this.lastScaledAt === undefined ? {} : { lastScaledAt: this.lastScaledAt }),
      started: this.started,
    };
  }

  apply(w: HistoryWrites): void {
    if (w.seed) this.recs.push(w.seed);
    if (w.recommendation) this.recs.push(w.recommendation);
    if (w.seed || w.recommendation) this.started = true;
    if (w.event) {
      this.events.push(w.event);
      this.lastScaledAt = w.event.at;
    }
  }
}
