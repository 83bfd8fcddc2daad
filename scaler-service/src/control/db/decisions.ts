import type { HistoryView } from '../../decision/history.js';
import type { Decision, Recommendation, ScaleEvent } from '../../decision/types.js';
import type { Db } from '../../queries/db.js';
import type { HistoryStore } from '../recorded-evaluation.js';

/** A scaling_decisions row; id is int8 (a string). */
export interface DecisionRow {
  id: string;
  app_name: string;
  decided_at: Date;
  current_replicas: number;
  recommended_replicas: number;
  desired_replicas: number;
  acted: boolean;
  winning_metric: string | null;
  limited_by: string | null;
  reasons: string[] | null;
  proposals: Record<string, unknown>[] | null;
}

const COLUMNS = `id, app_name, decided_at, current_replicas, recommended_replicas,
  desired_replicas, acted, winning_metric, limited_by, reasons, proposals`;

/**
 * Records one evaluation. A non-acting evaluation that repeats the previous
 * recommendation only moves that row's time forward: the stabilization window
 * needs the last time each recommendation was made, not every repetition, so
 * the table grows with changes, not with evaluations.
 */
export async function recordDecision(db: Db, d: Decision, acted: boolean): Promise<void> {
  const params = [
    d.appName,
    new Date(d.evaluatedAt),
    d.currentReplicas,
    d.recommendedReplicas,
    d.desiredReplicas,
    acted,
    d.winningMetric ?? null,
    d.limitedBy || null,
    JSON.stringify(d.reasons),
    JSON.stringify(d.proposals),
    d.record,
  ];
  if (!acted) {
    const res = await db.query(
      `UPDATE scaling_decisions SET decided_at = $2, current_replicas = $3, desired_replicas = $5,
              winning_metric = $7, limited_by = $8, reasons = $9, proposals = $10
        WHERE id = (SELECT id FROM scaling_decisions WHERE app_name = $1
                     ORDER BY decided_at DESC, id DESC LIMIT 1)
          AND NOT acted AND in_history AND recommended_replicas = $4 AND $6 = false
          AND $11::boolean`,
      params,
    );
    if ((res.rowCount ?? 0) > 0) return;
  }
  await db.query(
    `INSERT INTO scaling_decisions (app_name, decided_at, current_replicas, recommended_replicas,
       desired_replicas, acted, winning_metric, limited_by, reasons, proposals, in_history)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    params,
  );
}

/**
 * The HPA's first history entry: the current count at the app's first
 * evaluation, kept like any recommendation (so the down window holds it).
 */
export async function insertSeedRecommendation(
  db: Db,
  appName: string,
  seed: Recommendation,
): Promise<void> {
  await db.query(
    `INSERT INTO scaling_decisions (app_name, decided_at, current_replicas, recommended_replicas,
       desired_replicas, acted, reasons, proposals)
     VALUES ($1, $2, $3, $3, $3, false, $4, '[]')`,
    [
      appName,
      new Date(seed.at),
      seed.replicas,
      JSON.stringify(['first evaluation: the current count seeds the stabilization window']),
    ],
  );
}

/**
 * The app's history after `since` in one round trip: recorded
 * recommendations (in_history rows), scaling actions (acted rows, as the
 * change they made), and whether anything was ever recorded (the HPA seeds
 * only when not), from the (app_name, decided_at) index.
 */
export async function loadHistorySince(
  db: Db,
  appName: string,
  since: Date,
): Promise<{ recommendations: Recommendation[]; scaleEvents: ScaleEvent[]; started: boolean }> {
  const res = await db.query<{
    at: Date | null;
    replicas: number | null;
    change: number | null;
    acted: boolean | null;
    in_history: boolean | null;
    started: boolean;
  }>(
    `SELECT d.decided_at AS at, d.recommended_replicas AS replicas,
            d.desired_replicas - d.current_replicas AS change, d.acted, d.in_history,
            EXISTS (SELECT 1 FROM scaling_decisions e WHERE e.app_name = $1 AND e.in_history)
              AS started
       FROM (VALUES (1)) one
       LEFT JOIN scaling_decisions d ON d.app_name = $1 AND d.decided_at > $2
      ORDER BY d.decided_at, d.id`,
    [appName, since],
  );
  const recommendations: Recommendation[] = [];
  const scaleEvents: ScaleEvent[] = [];
  for (const r of res.rows) {
    if (!r.at) continue;
    if (r.in_history) recommendations.push({ at: r.at.getTime(), replicas: r.replicas! });
    if (r.acted) scaleEvents.push({ at: r.at.getTime(), change: r.change! });
  }
  return { recommendations, scaleEvents, started: res.rows[0]?.started === true };
}

/** Acting decisions newest first, before the (time, id) position. */
export async function listActedDecisions(
  db: Db,
  opts: { appName: string; before: [Date, string] | undefined; limit: number },
): Promise<DecisionRow[]> {
  const res = await db.query<DecisionRow>(
    `SELECT ${COLUMNS} FROM scaling_decisions
      WHERE app_name = $1 AND acted
        AND ($2::timestamptz IS NULL OR (decided_at, id) < ($2, $3::bigint))
      ORDER BY decided_at DESC, id DESC LIMIT $4`,
    [opts.appName, opts.before?.[0] ?? null, opts.before?.[1] ?? null, opts.limit],
  );
  return res.rows;
}

/**
 * Drops non-acting rows older than `before` (acting ones are the history
 * users read), keeping each app's newest recorded one: it says the app has
 * started, so the HPA's first-evaluation seed is not repeated after a gap.
 */
export async function pruneDecisions(db: Db, before: Date): Promise<number> {
  const res = await db.query(
    `DELETE FROM scaling_decisions d WHERE NOT acted AND decided_at < $1
        AND id <> (SELECT max(id) FROM scaling_decisions k
                    WHERE k.app_name = d.app_name AND k.in_history)`,
    [before],
  );
  return res.rowCount ?? 0;
}

/**
 * The autoscaling history kept in scaling_decisions: a recommendation is a
 * row with in_history, a scaling action an acted row, the first-evaluation
 * seed a row of its own; repeated non-acting recommendations merge.
 */
export function sqlHistoryStore(db: Db): HistoryStore {
  return {
    async load(appName, since, lastScaledAt): Promise<HistoryView> {
      const h = await loadHistorySince(db, appName, since);
      return { ...h, ...(lastScaledAt === undefined ? {} : { lastScaledAt }) };
    },
    async write(d, writes, acted) {
      if (writes.seed) await insertSeedRecommendation(db, d.appName, writes.seed);
      if (writes.recommendation || acted) await recordDecision(db, d, acted);
    },
  };
}
