import {
  type EngineBase,
  evaluateWithHistory,
  type HistoryView,
  type HistoryWrites,
  type Horizon,
  horizonOf,
} from '../decision/history.js';
import type { Decision } from '../decision/types.js';

/**
 * Where the control loop keeps an app's autoscaling history. The production
 * store is scaling_decisions (db/decisions.ts); tests use a fake with the
 * same row semantics to run the loop's history handling against the
 * simulator's.
 */
export interface HistoryStore {
  /** The history inside `horizon`; `lastScaledAt` comes from the app row. */
  load(appName: string, horizon: Horizon, lastScaledAt: number | undefined): Promise<HistoryView>;
  /** Persists one evaluation's writes (and the decision row when it acted). */
  write(d: Decision, writes: HistoryWrites, acted: boolean): Promise<void>;
}

/**
 * One evaluation of the control loop: read the kept history, decide through
 * the shared history module, persist what it says to record.
 */
export async function evaluateRecorded(
  store: HistoryStore,
  base: EngineBase,
  lastScaledAt: number | undefined,
  acts: boolean,
): Promise<{ decision: Decision; acted: boolean }> {
  const view = await store.load(base.appName, horizonOf(base.policy, base.now), lastScaledAt);
  const { decision, writes, acted } = evaluateWithHistory(view, base, acts);
  await store.write(decision, writes, acted);
  return { decision, acted };
}
