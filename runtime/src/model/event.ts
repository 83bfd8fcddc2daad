import type { EventSchema } from '@autoserve/proto/common/v1';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { enumOf, idOf, jsonObjectOf, type Row, textOf, timeOf } from './columns.js';
import { eventCategoryCodec, eventTypeCodec, severityCodec } from './enums.js';

/** An events row as node-postgres returns it; id is int8, so a string. */
export interface EventRow {
  id: string;
  event_type: string;
  event_category: string;
  app_name: string | null;
  container_id: string | null;
  message: string;
  details: Record<string, unknown> | null;
  severity: string;
  timestamp: Date;
  source: string;
  node_id: string | null;
}

/** The one events row -> Event mapper: the Scaler's list and tail, the Context's app events. */
export function toEvent(row: EventRow | Row): MessageInitShape<typeof EventSchema> {
  const r = row as Row;
  return {
    id: idOf(r.id, 'id'),
    type: enumOf(r.event_type, 'event_type', eventTypeCodec),
    category: enumOf(r.event_category, 'event_category', eventCategoryCodec),
    appName: textOf(r.app_name, 'app_name'),
    containerId: textOf(r.container_id, 'container_id'),
    message: textOf(r.message, 'message'),
    details: jsonObjectOf(r.details, 'details'),
    severity: enumOf(r.severity, 'severity', severityCodec),
    time: timeOf(r.timestamp, 'timestamp'),
    source: textOf(r.source, 'source'),
    nodeId: textOf(r.node_id, 'node_id'),
  };
}
