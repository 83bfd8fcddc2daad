import { hostname } from 'node:os';
import type { EventRow } from '@autoserve/runtime/model';
import type { Db } from './db.js';

export type { EventRow };

/** What a state change records about itself. */
export interface NewEvent {
  type: string;
  category?: string;
  appName?: string | null;
  containerId?: string | null;
  message: string;
  details?: Record<string, unknown> | null;
  severity?: 'debug' | 'info' | 'warning' | 'error' | 'critical';
  /** "api", "reconciler", "health", "autoscaler", "retention". */
  source: string;
}

/** This process, as events.node_id. */
export const NODE_ID = `${hostname()}:${process.pid}`;

/**
 * Advisory lock key serialising event writers ('autoevnt' in ASCII). Held
 * from insertEvent until the transaction ends.
 */
export const EVENT_ORDER_LOCK = 0x6175746f65766e74n;

const EVENT_COLUMNS = `id, event_type, event_category, app_name, container_id, message, details,
  severity, timestamp, source, node_id`;

/**
 * Writes an event in the caller's transaction, so the event commits or rolls
 * back with the state change it describes.
 *
 * Event ids must become visible in id order, or WatchEvents could resume past
 * an id that commits later. An identity value is drawn before commit, so two
 * writers could commit out of order; this takes a transaction-level advisory
 * lock first, which serialises event-writing transactions from here to their
 * commit (Postgres makes a commit visible before it releases locks). Call it
 * as the last statement(s) of the transaction: the lock is held until commit,
 * and any work after it delays every other event writer.
 */
export async function insertEvent(db: Db, event: NewEvent): Promise<EventRow> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [EVENT_ORDER_LOCK.toString()]);
  const res = await db.query<EventRow>(
    `INSERT INTO events (event_type, event_category, app_name, container_id, message, details,
                         severity, source, node_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING ${EVENT_COLUMNS}`,
    [
      event.type,
      event.category ?? 'application',
      event.appName ?? null,
      event.containerId ?? null,
      event.message,
      event.details ? JSON.stringify(event.details) : null,
      event.severity ?? 'info',
      event.source,
      NODE_ID,
    ],
  );
  return res.rows[0]!;
}

/** Filters shared by ListEvents and WatchEvents. */
export interface EventFilter {
  appName: string | null;
  types: string[];
  minSeverityRank: number | null;
}

/** Events newest first (by id, which is commit order), before `beforeId`. */
export async function listEvents(
  db: Db,
  filter: EventFilter & {
    since: Date | null;
    until: Date | null;
    beforeId: string | null;
    limit: number;
  },
): Promise<EventRow[]> {
  const res = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events
      WHERE ($1::text IS NULL OR app_name = $1)
        AND (cardinality($2::text[]) = 0 OR event_type = ANY ($2))
        AND ($3::int IS NULL OR severity_rank >= $3)
        AND ($4::timestamptz IS NULL OR timestamp >= $4)
        AND ($5::timestamptz IS NULL OR timestamp < $5)
        AND ($6::bigint IS NULL OR id < $6)
      ORDER BY id DESC
      LIMIT $7`,
    [
      filter.appName,
      filter.types,
      filter.minSeverityRank,
      filter.since,
      filter.until,
      filter.beforeId,
      filter.limit,
    ],
  );
  return res.rows;
}

/** Events after `afterId` in id order (a WatchEvents catch-up page). */
export async function listEventsAfter(
  db: Db,
  filter: EventFilter & { afterId: string; limit: number },
): Promise<EventRow[]> {
  const res = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events
      WHERE id > $4
        AND ($1::text IS NULL OR app_name = $1)
        AND (cardinality($2::text[]) = 0 OR event_type = ANY ($2))
        AND ($3::int IS NULL OR severity_rank >= $3)
      ORDER BY id
      LIMIT $5`,
    [filter.appName, filter.types, filter.minSeverityRank, filter.afterId, filter.limit],
  );
  return res.rows;
}

/** The highest committed event id (0 when none): where a fresh watch starts. */
export async function getLastEventId(db: Db): Promise<string> {
  const res = await db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM events');
  return res.rows[0]!.id;
}
