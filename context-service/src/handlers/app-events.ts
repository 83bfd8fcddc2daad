import { EventType, Severity } from '@autoserve/proto/common/v1';
import type {
  ListAppEventsRequest,
  ListAppEventsResponseSchema,
} from '@autoserve/proto/context/v1';
import {
  countOrDefault,
  knownEnum,
  knownEnums,
  notFound,
  pageOf,
  requiredText,
  timeRange,
} from '@autoserve/runtime';
import { toEvent } from '@autoserve/runtime/model';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { eventType, severityRank } from '../mapping/enums.js';
import { appExists, type EventsFilter, listAppEvents } from '../queries/app-history.js';
import { timeIdCursor } from '../validate/time-id-cursor.js';
import { type HandlerDeps, readInfoOf } from './deps.js';

type Response = MessageInitShape<typeof ListAppEventsResponseSchema>;

const KIND = 'app-events';

/** ListAppEvents: an app's events from the Scaler's tables, newest first, keyset-paginated. */
export function createAppEventsHandler(deps: HandlerDeps) {
  return async function listAppEventsHandler(
    req: ListAppEventsRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const range = timeRange('since', req.since, 'until', req.until);
    const minSeverity = knownEnum('min_severity', req.minSeverity, Severity, {
      allowUnspecified: true,
    });
    const types = eventType.toDbAll(knownEnums('types', req.types, EventType)).sort();
    const filter: EventsFilter = {
      appName: requiredText('app_name', req.appName, 63),
      types: types.length ? types : undefined,
      minRank: minSeverity === Severity.UNSPECIFIED ? undefined : severityRank(minSeverity),
      since: range.after,
      until: range.before,
    };
    const pageSize = countOrDefault('page_size', req.pageSize, 100, 1000);
    const at = timeIdCursor(req.pageToken, KIND, filter);
    const cursor = at && { timeUs: at.us, id: at.id };
    const routed = await deps.router.read({ deadline: ctx }, async (client) => {
      const rows = await listAppEvents(client, filter, cursor, pageSize + 1);
      if (rows.length === 0 && !cursor && !(await appExists(client, filter.appName))) {
        throw notFound(`app ${filter.appName}`);
      }
      return rows;
    });
    const { page, nextPageToken } = pageOf(routed.value, pageSize, {
      kind: KIND,
      filters: filter,
      positionOf: (last) => [String(last.pos_us), String(last.id)],
    });
    return { events: page.map(toEvent), nextPageToken, readInfo: readInfoOf(ctx, routed) };
  };
}
