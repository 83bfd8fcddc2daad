import { checkLength, invalidArgument, optionalDate, optionalText } from '@autoserve/runtime';
import type { JsonObject } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';

/** Field helpers for the remediation records (free-form CRD mirrors, loosely typed). */

/** A required string of min..max characters. */
export const required = (field: string, v: string, max: number) => checkLength(field, v, 1, max);

/** An optional string: empty is stored as NULL. */
export function optional(field: string, v: string, max: number): string | null {
  return optionalText(field, v, max) ?? null;
}

/** A JSON object (Struct) or NULL. */
export const jsonOrNull = (v: JsonObject | undefined) =>
  v && Object.keys(v).length > 0 ? JSON.stringify(v) : null;

/** created_at: the given time or the server's now. */
export const createdAt = (field: string, t: Timestamp | undefined) =>
  optionalDate(field, t) ?? new Date();

export { optionalDate };

/** A list of strings, each at most `max` characters. */
export function strings(field: string, list: string[], maxItems: number, max: number): string[] {
  if (list.length > maxItems) throw invalidArgument(field, `must have at most ${maxItems} items`);
  for (const [i, s] of list.entries()) checkLength(`${field}[${i}]`, s, 0, max);
  return [...list];
}

/** The fields every audit record carries next to its own. */
interface RecordTrail {
  message: string;
  createdAt?: Timestamp | undefined;
  startedAt?: Timestamp | undefined;
  completedAt?: Timestamp | undefined;
  correlationId: string;
}

/**
 * Columns every audit table shares: message, created/started/completed
 * times and the correlation id, validated under `f` (the request field).
 */
export function trailColumns(f: string, r: RecordTrail) {
  return {
    message: optional(`${f}.message`, r.message, 65_536),
    created_at: createdAt(`${f}.created_at`, r.createdAt),
    started_at: optionalDate(`${f}.started_at`, r.startedAt),
    completed_at: optionalDate(`${f}.completed_at`, r.completedAt),
    correlation_id: optional(`${f}.correlation_id`, r.correlationId, 255),
  };
}

/** The trail columns an Update* request changes: only those it sets. */
export function trailChange(req: {
  message?: string | undefined;
  startedAt?: Timestamp | undefined;
  completedAt?: Timestamp | undefined;
}): Record<string, unknown> {
  const change: Record<string, unknown> = {};
  if (req.message !== undefined) change.message = optional('message', req.message, 65_536);
  if (req.startedAt) change.started_at = optionalDate('started_at', req.startedAt);
  if (req.completedAt) change.completed_at = optionalDate('completed_at', req.completedAt);
  return change;
}
