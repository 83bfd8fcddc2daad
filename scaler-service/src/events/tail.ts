import { withTx } from '@autoserve/runtime';
import type pg from 'pg';
import { Semaphore } from '../ingest/semaphore.js';
import {
  type EventFilter,
  type EventRow,
  getLastEventId,
  listEventsAfter,
} from '../queries/events.js';
import { severityCodec } from '../validation/enums.js';
import type { EventHub } from './hub.js';
import { nextNotify, withRetries } from './signal.js';

/**
 * One reader of new events for every WatchEvents stream. A stream that has
 * caught up joins the live tail: each wake-up of the hub costs one unfiltered
 * read, whose rows are filtered in memory for every stream. A stream that
 * resumes from an older id, or fell behind, catches up with its own filtered
 * reads, then joins. So idle or live streams cost nothing per stream in
 * queries, however many there are.
 */
export interface EventTail {
  /** Events after `afterId` (after the newest one when undefined) in id order. */
  watch(
    filter: EventFilter,
    afterId: string | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<EventRow>;
  stop(): void;
}

interface Sub {
  filter: EventFilter;
  /** Every matching event with an id up to here has been queued or sent. */
  cursor: bigint;
  queue: EventRow[];
  /** Left the tail because its queue was full: catches up on its own. */
  detached: boolean;
  error?: unknown;
  notify?: () => void;
}

const QUERY_TIMEOUT = { timeoutMs: () => 10_000 };
const ALL: EventFilter = { appName: null, types: [], minSeverityRank: null };

/** The SQL filter of listEventsAfter, in memory. */
export function matchesFilter(filter: EventFilter, row: EventRow): boolean {
  if (filter.appName !== null && row.app_name !== filter.appName) return false;
  if (filter.types.length > 0 && !filter.types.includes(row.event_type)) return false;
  if (filter.minSeverityRank === null) return true;
  const rank = severityCodec.fromDb(row.severity) - 1;
  return rank >= 0 && rank >= filter.minSeverityRank;
}

export function createEventTail(opts: {
  /** The watchers' pool. */
  db: pg.Pool;
  hub: Pick<EventHub, 'generation' | 'wait'>;
  /** Rows per read. */
  batch: number;
  /** Events a stream may have queued before it is detached to catch up on its own. */
  queueMax: number;
  /**
   * Concurrent catch-up reads (resumed or detached streams). A reconnect storm
   * of resumed streams queues here, not on the pool, where they would crowd
   * out the tail and time out waiting for a connection.
   */
  catchUpConcurrency?: number;
}): EventTail {
  const catchUps = new Semaphore(opts.catchUpConcurrency ?? 1);
  const subs = new Set<Sub>();
  // The tail has handed every event up to here to its subscribers.
  let tailCursor = 0n;
  let running = false;
  let stopped = false;
  let kick: (() => void) | undefined;
  let headRead: Promise<bigint> | undefined;

  const read = (fn: (tx: pg.PoolClient) => Promise<unknown>) =>
    withTx(opts.db, { deadline: QUERY_TIMEOUT, readOnly: true }, fn as never);

  /** The newest event id; concurrent callers share one query. */
  const head = async (): Promise<bigint> => {
    headRead ??= (read(getLastEventId) as Promise<string>)
      .then((id) => BigInt(id))
      .finally(() => {
        headRead = undefined;
      });
    const id = await headRead;
    // With nobody subscribed, skipping ahead loses nothing and spares reading old events.
    if (subs.size === 0 && id > tailCursor) tailCursor = id;
    return id;
  };

  const deliver = (rows: EventRow[]) => {
    for (const row of rows) {
      const id = BigInt(row.id);
      for (const sub of subs) {
        if (id <= sub.cursor || !matchesFilter(sub.filter, row)) continue;
        if (sub.queue.length >= opts.queueMax) {
          subs.delete(sub);
          sub.detached = true;
          sub.cursor = id - 1n;
        } else sub.queue.push(row);
        sub.notify?.();
      }
    }
    if (rows.length > 0) tailCursor = BigInt(rows[rows.length - 1]!.id);
    for (const sub of subs) if (sub.cursor < tailCursor) sub.cursor = tailCursor;
  };

  const loop = async () => {
    running = true;
    try {
      while (subs.size > 0 && !stopped) {
        const seen = opts.hub.generation();
        let rows: EventRow[];
        try {
          const after = tailCursor.toString();
          rows = (await withRetries(() =>
            read((tx) => listEventsAfter(tx, { ...ALL, afterId: after, limit: opts.batch })),
          )) as EventRow[];
        } catch (err) {
          // Retried already: the streams end with the error, as a per-stream read did; clients resume.
          for (const sub of subs) {
            sub.error = err;
            sub.notify?.();
          }
          subs.clear();
          break;
        }
        deliver(rows);
        if (rows.length === opts.batch) continue;
        const wake = new AbortController();
        kick = () => wake.abort();
        try {
          await opts.hub.wait(seen, wake.signal);
        } finally {
          kick = undefined;
        }
      }
    } finally {
      running = false;
    }
  };

  /** Joins the tail when `sub` has seen everything up to the tail's position. */
  const tryJoin = async (sub: Sub): Promise<boolean> => {
    // An idle tail's position is stale: move it to the head first (nobody needs what lies between).
    if (subs.size === 0) await head();
    if (sub.cursor < tailCursor) return false;
    sub.detached = false;
    subs.add(sub);
    if (!running) void loop();
    return true;
  };

  /** One filtered page after the sub's cursor; at the end of the log the cursor moves to the head. */
  const catchUp = async (sub: Sub, signal: AbortSignal): Promise<EventRow[]> => {
    const release = await catchUps.acquire(signal);
    const { top, rows } = (await read(async (tx) => ({
      // The head first: every event up to it is visible to the page read after it.
      top: BigInt(await getLastEventId(tx)),
      rows: await listEventsAfter(tx, {
        ...sub.filter,
        afterId: sub.cursor.toString(),
        limit: opts.batch,
      }),
    })).finally(release)) as { top: bigint; rows: EventRow[] };
    if (rows.length > 0) sub.cursor = BigInt(rows[rows.length - 1]!.id);
    if (rows.length < opts.batch && top > sub.cursor) sub.cursor = top;
    return rows;
  };

  return {
    async *watch(filter, afterId, signal) {
      const sub: Sub = {
        filter,
        cursor: afterId === undefined ? await head() : BigInt(afterId),
        queue: [],
        detached: true,
      };
      try {
        while (!signal.aborted) {
          if (sub.error) throw sub.error;
          const next = sub.queue.shift();
          if (next) {
            yield next;
            continue;
          }
          if (sub.detached) {
            if (await tryJoin(sub)) continue;
            for (const row of await catchUp(sub, signal)) {
              if (signal.aborted) return;
              yield row;
            }
            continue;
          }
          await nextNotify(sub, signal);
        }
      } finally {
        subs.delete(sub);
        if (subs.size === 0) kick?.();
      }
    },
    stop() {
      stopped = true;
      kick?.();
    },
  };
}
