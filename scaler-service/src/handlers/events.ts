import type { common, scaler } from '@autoserve/proto';
import {
  decodePageToken,
  invalidArgument,
  optionalDate,
  pageOf,
  pageSize,
  withTx,
} from '@autoserve/runtime';
import { toEvent } from '@autoserve/runtime/model';
import type { HandlerContext } from '@connectrpc/connect';
import { type EventFilter, listEvents } from '../queries/events.js';
import { eventTypeCodec, severityCodec, severityRank } from '../validation/enums.js';
import { validateAppName } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';

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
export function createEvents({ db, eventTail }: Pick<WriteSideDeps, 'db' | 'eventTail'>) {
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
      return { events: page.map(toEvent), nextPageToken };
    },

    /**
     * Streams events with id > after_event_id in id order. Event ids become
     * visible in id order (see insertEvent), so "id > last delivered" resumes
     * without gap or duplicate. Live streams share one reader (the event tail).
     */
    async *watchEvents(req: scaler.WatchEventsRequest, ctx: HandlerContext) {
      const filter = filterOf(req);
      if (req.afterEventId < 0n) throw invalidArgument('after_event_id', 'must be >= 0');
      const after = req.afterEventId > 0n ? req.afterEventId.toString() : undefined;
      for await (const row of eventTail.watch(filter, after, ctx.signal)) {
        yield { event: toEvent(row) };
      }
    },
  };
}
