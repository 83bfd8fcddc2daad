import type { HistoryView, Horizon } from '../decision/history.js';
import type { HistoryStore } from './recorded-evaluation.js';

interface Row {
  id: number;
  at: number;
  current: number;
  recommended: number;
  desired: number;
  acted: boolean;
  inHistory: boolean;
}

/**
 * scaling_decisions' row semantics in memory (db/decisions.ts, statement by
 * statement: the seed row, the merge of a repeated non-acting
 * recommendation, in_history, acted rows as scale events, the prune that
 * keeps each app's newest recorded row), for one app. The property test runs
 * the control loop's history handling over it against the simulator's.
 */
export class RowHistoryStore implements HistoryStore {
  private rows: Row[] = [];
  private nextId = 1;
  lastScaledAt: number | undefined;

  async load(
    _app: string,
    horizon: Horizon,
    lastScaledAt: number | undefined,
  ): Promise<HistoryView> {
    const cut = horizon.since.getTime();
    const eventsCut = horizon.eventsSince.getTime();
    const recs = this.rows
      .filter((r) => r.inHistory && r.at > cut)
      .sort((a, b) => a.at - b.at || a.id - b.id);
    return {
      recommendations: recs.map((r) => ({ at: r.at, replicas: r.recommended })),
      scaleEvents: this.rows
        .filter((r) => r.acted && r.at > eventsCut)
        .sort((a, b) => a.at - b.at || a.id - b.id)
        .map((r) => ({ at: r.at, change: r.desired - r.current })),
      ...(lastScaledAt === undefined ? {} : { lastScaledAt }),
      started: recs.length > 0 || this.rows.some((r) => r.inHistory),
    };
  }

  async write(
    d: Parameters<HistoryStore['write']>[0],
    w: Parameters<HistoryStore['write']>[1],
    acted: boolean,
  ): Promise<void> {
    if (w.seed) {
      this.insert({ at: w.seed.at, current: w.seed.replicas, recommended: w.seed.replicas });
    }
    if (!w.recommendation && !acted) return;
    const fields = {
      at: d.evaluatedAt,
      current: d.currentReplicas,
      recommended: d.recommendedReplicas,
      desired: d.desiredReplicas,
    };
    if (!acted && d.record) {
      const latest = [...this.rows].sort((a, b) => b.at - a.at || b.id - a.id)[0];
      if (
        latest &&
        !latest.acted &&
        latest.inHistory &&
        latest.recommended === fields.recommended
      ) {
        Object.assign(latest, { at: fields.at, current: fields.current, desired: fields.desired });
        return;
      }
    }
    this.insert(fields, acted, d.record);
    if (acted) this.lastScaledAt = d.evaluatedAt;
  }

  /** deleteNonActingDecisionsBefore. */
  prune(before: number): void {
    const keep = Math.max(0, ...this.rows.filter((r) => r.inHistory).map((r) => r.id));
    this.rows = this.rows.filter((r) => r.acted || r.at >= before || r.id === keep);
  }

  private insert(
    f: { at: number; current: number; recommended: number; desired?: number },
    acted = false,
    inHistory = true,
  ): void {
    this.rows.push({
      id: this.nextId++,
      desired: f.current,
      ...f,
      acted,
      inHistory,
    });
  }
}
