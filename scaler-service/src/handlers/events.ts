import type { common, scaler } from '@autoserve/proto';
import { decodePageToken, invalidArgument, pageOf, pageSize, withTx } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import {
  type EventFilter,
  getLastEventId,
  listEvents,
  listEventsAfter,
} from '../queries/events.js';
import { eventTypeCodec, severityCodec, severityRank } from '../validation/enums.js';
import { optionalDate } from '../validation/fields.js';
import { validateAppName } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';
import { eventToProto } from './to-proto.js';

/** Rows read per WatchEvents query; a full page is followed by another read at once. */
const WATCH_BATCH = 500;
/** Statement timeout of a WatchEvents read (the stream itself may run for hours). */
const WATCH_QUERY_TIMEOUT = { timeoutMs: () => 10_000 };

function filterOf(req: {
  appName: string;
  types: common.EventType[];
  minSeverity: common.Severity;
}): EventFilter {
  const types = req.types.map((t, i) => {
    const text = eventTypeCodec.toDb(t);
    if (!text) throw invalidArgument(`types[${i}]`, 'must be a known event type');
    return text;
  });
  if (req.minSeverity !== 0 && !severityCodec.toDb(req.minSeverity)) {
    throw invalidArgument('min_severity', 'must be a known severity');
  }
  return {
    appName: req.appName === '' ? null : validateAppName(req.appName, 'app_name'),
    types: [...new Set(types)].sort(),
    minSeverityRank: req.minSeverity === 0 ? null : severityRank(req.minSeverity),
  };
}

/** ListEvents (newest first, keyset-paginated by id) and WatchEvents (resumable stream). */
export function createEvents({ db, events }: Pick<WriteSideDeps, 'db' | 'events'>) {
  return {
    async listEvents(req: scaler.ListEventsRequest, ctx: HandlerContext) {
      const filter = filterOf(req);
      const since = optionalDate('since', req.since);
      const until = optionalDate('until', req.until);
      if (since && until && since >= until) throw invalidArgument('until', 'must be after since');
      const limit = pageSize('page_size', req.pageSize, 100, 1000);
      const filters = {
        ...filter,
        since: since?.getTime() ?? null,
        until: until?.getTime() ?? null,
      };
      const before = decodePageToken(req.pageToken, 'events', filters, ['string']);
      if (before && !/^\d{1,19}$/.test(before[0] as string)) {
        throw invalidArgument('page_token', 'is not a valid page token for this request');
      }
      const rows = await withTx(db, { deadline: ctx, readOnly: true }, (tx) =>
        listEvents(tx, {
          ...filter,
          since,
          until,
          beforeId: (before?.[0] as string | undefined) ?? null,
          limit: limit + 1,
        }),
      );
      const { page, nextPageToken } = pageOf(rows, limit, {
        kind: 'events',
        filters,
        positionOf: (last) => [last.id],
      });
      return { events: page.map(eventToProto), nextPageToken };
    },

    /**
     * Streams events with id > after_event_id in id order. Event ids become
     * visible in id order (see insertEvent), so "id > last delivered" resumes
     * without gap or duplicate. Between reads the stream sleeps on the hub.
     */
    async *watchEvents(req: scaler.WatchEventsRequest, ctx: HandlerContext) {
      const filter = filterOf(req);
      if (req.afterEventId < 0n) throw invalidArgument('after_event_id', 'must be >= 0');
      let cursor =
        req.afterEventId > 0n
          ? req.afterEventId.toString()
          : await withTx(db, { deadline: WATCH_QUERY_TIMEOUT, readOnly: true }, getLastEventId);
      while (!ctx.signal.aborted) {
        const seen = events.generation();
        const rows = await withTx(db, { deadline: WATCH_QUERY_TIMEOUT, readOnly: true }, (tx) =>
          listEventsAfter(tx, { ...filter, afterId: cursor, limit: WATCH_BATCH }),
        );
        for (const row of rows) {
          yield { event: eventToProto(row) };
          cursor = row.id;
        }
        if (rows.length < WATCH_BATCH) await events.wait(seen, ctx.signal);
      }
    },
  };
}
