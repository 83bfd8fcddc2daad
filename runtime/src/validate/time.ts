import { invalidArgument } from '../grpc/errors.js';

// Timestamp and Duration field checks; field first, then the value, then its bounds (text.ts).
// Two families of messages exist (the Scaler's writes and the Context's read filters); they are
// kept word for word, since clients and tests read them.

/** A protobuf Timestamp or Duration as protobuf-es hands it over. */
export interface SecondsNanos {
  seconds: bigint;
  nanos: number;
}

const MIN_TS_SECONDS = -62_135_596_800n; // 0001-01-01T00:00:00Z
const MAX_TS_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z

/** A Date as a protobuf Timestamp init (microsecond precision, as Postgres keeps). */
export function timestampOf(d: Date) {
  const ms = d.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** Milliseconds since the epoch of a Timestamp (microsecond precision kept as a fraction). */
export function timestampMs(field: string, t: SecondsNanos): number {
  const ms = Number(t.seconds) * 1000 + t.nanos / 1e6;
  if (!Number.isFinite(ms) || t.nanos < 0 || t.nanos > 999_999_999) {
    throw invalidArgument(field, 'is not a valid timestamp');
  }
  return ms;
}

/** A timestamp to store, as a Date, or null when unset; rejects dates outside years 1..9999. */
export function optionalDate(field: string, t: SecondsNanos | undefined): Date | null {
  if (!t) return null;
  const ms = timestampMs(field, t);
  if (ms < -62_135_596_800_000 || ms > 253_402_300_799_000) {
    throw invalidArgument(field, 'must be between years 1 and 9999');
  }
  return new Date(ms);
}

/** Microseconds since the epoch of a valid Timestamp (a read filter's bound). */
export function timestampMicros(field: string, ts: SecondsNanos): bigint {
  if (ts.seconds < MIN_TS_SECONDS || ts.seconds > MAX_TS_SECONDS) {
    throw invalidArgument(field, 'must be between 0001-01-01 and 9999-12-31');
  }
  if (!Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos > 999_999_999) {
    throw invalidArgument(field, 'nanos must be 0..999999999');
  }
  return ts.seconds * 1_000_000n + BigInt(Math.floor(ts.nanos / 1000));
}

/** ISO-8601 text of a Timestamp with microsecond precision (Postgres' resolution). */
export function timestampText(field: string, ts: SecondsNanos | undefined): string | undefined {
  if (!ts) return undefined;
  timestampMicros(field, ts);
  const base = new Date(Number(ts.seconds) * 1000).toISOString().slice(0, 19);
  const micros = String(Math.floor(ts.nanos / 1000)).padStart(6, '0');
  return `${base}.${micros}Z`;
}

/** A [after, before) range; refuses an inverted one, naming the `before` field. */
export function timeRange(
  afterField: string,
  after: SecondsNanos | undefined,
  beforeField: string,
  before: SecondsNanos | undefined,
): { after: string | undefined; before: string | undefined } {
  const a = timestampText(afterField, after);
  const b = timestampText(beforeField, before);
  if (
    after &&
    before &&
    timestampMicros(beforeField, before) < timestampMicros(afterField, after)
  ) {
    throw invalidArgument(beforeField, `must not be earlier than ${afterField}`);
  }
  return { after: a, before: b };
}

/** A Duration as whole seconds within [minS, maxS]; `fallback` when unset. */
export function durationSeconds(
  field: string,
  d: SecondsNanos | undefined,
  fallback: number,
  minS: number,
  maxS: number,
): number {
  if (!d) return fallback;
  if (d.nanos !== 0) throw invalidArgument(field, 'must be whole seconds');
  const s = Number(d.seconds);
  if (!Number.isSafeInteger(s) || s < minS || s > maxS) {
    throw invalidArgument(field, `must be ${minS}s..${maxS}s`);
  }
  return s;
}

/** A Duration as whole milliseconds within [minMs, maxMs]; `fallback` when unset. */
export function durationWholeMs(
  field: string,
  d: SecondsNanos | undefined,
  fallback: number,
  minMs: number,
  maxMs: number,
): number {
  if (!d) return fallback;
  if (d.nanos < 0 || d.nanos > 999_999_999 || d.nanos % 1_000_000 !== 0) {
    throw invalidArgument(field, 'must be whole milliseconds');
  }
  const ms = Number(d.seconds) * 1000 + d.nanos / 1_000_000;
  if (!Number.isSafeInteger(ms) || ms < minMs || ms > maxMs) {
    throw invalidArgument(field, `must be ${minMs}ms..${maxMs}ms`);
  }
  return ms;
}

/** Milliseconds of a valid (possibly fractional) Duration within [minMs, maxMs]. */
export function durationMs(field: string, d: SecondsNanos, minMs: number, maxMs: number): number {
  if (d.nanos < -999_999_999 || d.nanos > 999_999_999 || (d.seconds > 0n && d.nanos < 0)) {
    throw invalidArgument(field, 'is not a valid duration');
  }
  const ms = Number(d.seconds) * 1000 + d.nanos / 1e6;
  if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) {
    throw invalidArgument(field, `must be ${minMs / 1000}s..${maxMs / 1000}s`);
  }
  return ms;
}
