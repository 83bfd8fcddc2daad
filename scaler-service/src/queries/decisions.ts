import type { HistoryStore } from '../control/recorded-evaluation.js';
import type { HistoryView } from '../decision/history.js';
import type { Decision, Recommendation, ScaleEvent } from '../decision/types.js';
import type { Db } from './db.js';

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
export async function upsertDecision(db: Db, d: Decision, acted: boolean): Promise<void> {
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
    [appName, new Date(seed.at), seed.replicas, JSON.stringify(SEED_REASONS)],
  );
}

/** The newest scaling_decisions row of an app (what a repeated recommendation merges into). */
export interface LatestDecision {
  id: string;
  /** The row version (xmin): a row whose version is unchanged still holds what was written. */
  version: string;
  acted: boolean;
  inHistory: boolean;
  recommended: number | null;
}

export interface KeptHistory {
  recommendations: Recommendation[];
  scaleEvents: ScaleEvent[];
  /** Whether anything was ever recorded (the HPA seeds only when not). */
  started: boolean;
  latest: LatestDecision | undefined;
}

/**
 * The histories of many apps inside each one's horizon, in two statements
 * over the (app_name, decided_at) indexes: recorded recommendations
 * (in_history rows) after `since`, scaling actions (acted rows, as the
 * change they made) after `eventsSince` (further back: the reversal memory;
 * the older ones through the partial index of acted rows), whether the app
 * ever recorded anything, and its newest row.
 */
export async function listHistoriesOfApps(
  db: Db,
  reqs: readonly { appName: string; since: Date; eventsSince: Date }[],
): Promise<Map<string, KeptHistory>> {
  const out = new Map<string, KeptHistory>();
  if (reqs.length === 0) return out;
  const names = reqs.map((r) => r.appName);
  const rows = await db.query<{
    app: string;
    at: Date;
    replicas: number;
    change: number;
    acted: boolean;
    in_history: boolean;
  }>(
    `SELECT w.app, d.id, d.decided_at AS at, d.recommended_replicas AS replicas,
            d.desired_replicas - d.current_replicas AS change, d.acted, d.in_history
       FROM unnest($1::text[], $2::timestamptz[]) w(app, since)
       JOIN scaling_decisions d ON d.app_name = w.app AND d.decided_at > w.since
     UNION ALL
     SELECT w.app, d.id, d.decided_at, d.recommended_replicas,
            d.desired_replicas - d.current_replicas, true, false
       FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) w(app, since, events_since)
       JOIN scaling_decisions d ON d.app_name = w.app AND d.acted
            AND d.decided_at > w.events_since AND d.decided_at <= w.since
      ORDER BY app, at, id`,
    [names, reqs.map((r) => r.since), reqs.map((r) => r.eventsSince)],
  );
  const heads = await db.query<{
    app: string;
    id: string | null;
    version: string | null;
    acted: boolean | null;
    in_history: boolean | null;
    recommended: number | null;
    started: boolean;
  }>(
    `SELECT w.app, l.id, l.xmin::text AS version, l.acted, l.in_history,
            l.recommended_replicas AS recommended,
            EXISTS (SELECT 1 FROM scaling_decisions e WHERE e.app_name = w.app AND e.in_history)
              AS started
       FROM unnest($1::text[]) w(app)
       LEFT JOIN LATERAL (
         SELECT id, xmin, acted, in_history, recommended_replicas FROM scaling_decisions
          WHERE app_name = w.app ORDER BY decided_at DESC, id DESC LIMIT 1) l ON true`,
    [names],
  );
  for (const h of heads.rows) {
    out.set(h.app, {
      recommendations: [],
      scaleEvents: [],
      started: h.started,
      latest:
        h.id === null
          ? undefined
          : {
              id: h.id,
              version: h.version!,
              acted: h.acted!,
              inHistory: h.in_history!,
              recommended: h.recommended,
            },
    });
  }
  for (const r of rows.rows) {
    const k = out.get(r.app)!;
    if (r.in_history) k.recommendations.push({ at: r.at.getTime(), replicas: r.replicas });
    if (r.acted) k.scaleEvents.push({ at: r.at.getTime(), change: r.change });
  }
  return out;
}

/** A non-acting evaluation to record in a batch (see upsertNonActingDecisions). */
export interface NonActing {
  decision: Decision;
  seed: Recommendation | undefined;
  latest: LatestDecision | undefined;
}

const SEED_REASONS = ['first evaluation: the current count seeds the stabilization window'];

/** The reasons and proposals (as JSON text) a merge wrote into a row, and the version it left. */
export interface WrittenDetails {
  id: string;
  version: string;
  reasons: string;
  proposals: string;
}

/**
 * What the caller remembers of the details its merges wrote, per app: a
 * merge into a row still at that version (nobody wrote it since) whose
 * reasons or proposals repeat them leaves those jsonb columns as they are
 * instead of sending and parsing them again (most of a quiet pass's write).
 */
export interface DetailsMemo {
  get(appName: string): WrittenDetails | undefined;
  set(appName: string, written: WrittenDetails): void;
}

/**
 * Records many non-acting evaluations in at most two statements, row for
 * row what insertSeedRecommendation + upsertDecision write one app at a
 * time: the seed row, then the recommendation merged into the newest row
 * when it repeats it (a seed repeated by the first recommendation is that
 * one row), else a new row. Evaluations that record nothing are skipped.
 * With a `memo`, a merge leaves reasons / proposals the row already holds
 * untouched (see DetailsMemo) and remembers what each merge wrote.
 */
export async function upsertNonActingDecisions(
  db: Db,
  items: readonly NonActing[],
  memo?: DetailsMemo,
): Promise<void> {
  const ins: unknown[][] = [[], [], [], [], [], [], [], [], [], []];
  const upd: unknown[][] = [[], [], [], [], [], [], [], []];
  const push = (into: unknown[][], v: readonly unknown[]) => {
    for (const [i, x] of v.entries()) into[i]!.push(x);
  };
  const insert = (v: readonly unknown[]) => push(ins, v);
  // Merged rows by id: what was meant for their details, for the memo.
  const sent = new Map<string, { app: string; reasons: string; proposals: string }>();
  for (const { decision: d, seed, latest } of items) {
    const row = [
      d.appName,
      new Date(d.evaluatedAt),
      d.currentReplicas,
      d.recommendedReplicas,
      d.desiredReplicas,
      d.winningMetric ?? null,
      d.limitedBy || null,
      JSON.stringify(d.reasons),
      JSON.stringify(d.proposals),
      d.record,
    ];
    const seedRow = seed && [
      d.appName,
      new Date(seed.at),
      seed.replicas,
      seed.replicas,
      seed.replicas,
      null,
      null,
      JSON.stringify(SEED_REASONS),
      '[]',
      true,
    ];
    if (!d.record) {
      if (seedRow) insert(seedRow);
      continue;
    }
    if (seedRow && seed!.replicas !== d.recommendedReplicas) insert(seedRow);
    const merges =
      !seedRow &&
      latest &&
      !latest.acted &&
      latest.inHistory &&
      latest.recommended === d.recommendedReplicas;
    if (merges) {
      const [reasons, proposals] = [row[7] as string, row[8] as string];
      const had = memo?.get(d.appName);
      const same = had !== undefined && had.id === latest.id && had.version === latest.version;
      // null: the row keeps the value it holds (a recorded decision's details are never null).
      const keep = (v: string, was: string | undefined) => (same && v === was ? null : v);
      push(upd, [
        ...[latest.id, row[1], row[2], row[4], row[5], row[6]],
        ...[keep(reasons, had?.reasons), keep(proposals, had?.proposals)],
      ]);
      if (memo) sent.set(latest.id, { app: d.appName, reasons, proposals });
    } else insert(row);
  }
  if (upd[0]!.length > 0) {
    const res = await db.query<{ id: string; version: string }>(
      `UPDATE scaling_decisions d SET decided_at = u.at, current_replicas = u.cur,
              desired_replicas = u.des, winning_metric = u.wm, limited_by = u.lb,
              reasons = coalesce(u.reasons, d.reasons), proposals = coalesce(u.proposals, d.proposals)
         FROM unnest($1::bigint[], $2::timestamptz[], $3::int[], $4::int[], $5::text[],
                     $6::text[], $7::jsonb[], $8::jsonb[])
              AS u(id, at, cur, des, wm, lb, reasons, proposals)
        WHERE d.id = u.id
       RETURNING d.id, d.xmin::text AS version`,
      upd,
    );
    for (const { id, version } of res.rows) {
      const w = sent.get(id)!;
      memo?.set(w.app, { id, version, reasons: w.reasons, proposals: w.proposals });
    }
  }
  if (ins[0]!.length > 0) {
    await db.query(
      `INSERT INTO scaling_decisions (app_name, decided_at, current_replicas, recommended_replicas,
         desired_replicas, acted, winning_metric, limited_by, reasons, proposals, in_history)
       SELECT app, at, cur, rec, des, false, wm, lb, reasons, proposals, ih
         FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::int[], $5::int[], $6::text[],
                     $7::text[], $8::jsonb[], $9::jsonb[], $10::boolean[])
              AS u(app, at, cur, rec, des, wm, lb, reasons, proposals, ih)`,
      ins,
    );
  }
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
export async function deleteNonActingDecisionsBefore(db: Db, before: Date): Promise<number> {
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
    async load(appName, horizon, lastScaledAt): Promise<HistoryView> {
      const h = (await listHistoriesOfApps(db, [{ appName, ...horizon }])).get(appName)!;
      return {
        recommendations: h.recommendations,
        scaleEvents: h.scaleEvents,
        started: h.started,
        ...(lastScaledAt === undefined ? {} : { lastScaledAt }),
      };
    },
    async write(d, writes, acted) {
      if (writes.seed) await insertSeedRecommendation(db, d.appName, writes.seed);
      if (writes.recommendation || acted) await upsertDecision(db, d, acted);
    },
  };
}
