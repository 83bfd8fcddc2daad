import type { Decision, Recommendation, ScaleEvent } from '../../decision/types.js';
import type { Db } from '../../queries/db.js';

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
  ];
  if (!acted) {
    const res = await db.query(
      `UPDATE scaling_decisions SET decided_at = $2, current_replicas = $3, desired_replicas = $5,
              winning_metric = $7, limited_by = $8, reasons = $9, proposals = $10
        WHERE id = (SELECT id FROM scaling_decisions WHERE app_name = $1
                     ORDER BY decided_at DESC, id DESC LIMIT 1)
          AND NOT acted AND recommended_replicas = $4 AND $6 = false`,
      params,
    );
    if ((res.rowCount ?? 0) > 0) return;
  }
  await db.query(
    `INSERT INTO scaling_decisions (app_name, decided_at, current_replicas, recommended_replicas,
       desired_replicas, acted, winning_metric, limited_by, reasons, proposals)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    params,
  );
}

/** Recommendations made after `since` (the stabilization window's history). */
export async function listRecommendationsSince(
  db: Db,
  appName: string,
  since: Date,
): Promise<Recommendation[]> {
  const res = await db.query<{ at: Date; replicas: number }>(
    `SELECT decided_at AS at, recommended_replicas AS replicas FROM scaling_decisions
      WHERE app_name = $1 AND decided_at > $2 ORDER BY decided_at`,
    [appName, since],
  );
  return res.rows.map((r) => ({ at: r.at.getTime(), replicas: r.replicas }));
}

/** Scaling actions carried out after `since` (the rate policies' periods). */
export async function listScaleEventsSince(
  db: Db,
  appName: string,
  since: Date,
): Promise<ScaleEvent[]> {
  const res = await db.query<{ at: Date; change: number }>(
    `SELECT decided_at AS at, desired_replicas - current_replicas AS change FROM scaling_decisions
      WHERE app_name = $1 AND decided_at > $2 AND acted ORDER BY decided_at`,
    [appName, since],
  );
  return res.rows.map((r) => ({ at: r.at.getTime(), change: r.change }));
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

/** Drops non-acting rows older than `before` (acting ones are the history users read). */
export async function pruneDecisions(db: Db, before: Date): Promise<number> {
  const res = await db.query('DELETE FROM scaling_decisions WHERE NOT acted AND decided_at < $1', [
    before,
  ]);
  return res.rowCount ?? 0;
}
