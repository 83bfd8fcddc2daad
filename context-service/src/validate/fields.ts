import { invalidArgument } from '@autoserve/runtime';

// Field checks of the Context requests. Same order as the runtime's
// checkLength/checkInt/checkNumber: the field path first, then the value.

/** A protobuf Timestamp or Duration as protobuf-es hands it over. */
export interface SecondsNanos {
  seconds: bigint;
  nanos: number;
}

const MIN_TS_SECONDS = -62_135_596_800n; // 0001-01-01T00:00:00Z
const MAX_TS_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z

/** A required string of 1..max characters. */
export function requiredText(field: string, value: string, max = 255): string {
  if (value.length === 0) throw invalidArgument(field, 'is required');
  if (value.length > max) throw invalidArgument(field, `must be at most ${max} characters`);
  return value;
}

/** An optional filter string: empty means "do not filter". */
export function optionalText(field: string, value: string, max = 255): string | undefined {
  if (value.length > max) throw invalidArgument(field, `must be at most ${max} characters`);
  return value === '' ? undefined : value;
}

/** An integer count; 0 (unset) gives the default. */
export function countOrDefault(field: string, value: number, def: number, max: number): number {
  if (value === 0) return def;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(field, `must be 1..${max}`);
  }
  return value;
}

/** A known, specified value of a protobuf enum. */
export function knownEnum<E extends number>(
  field: string,
  value: E,
  names: Record<number, string>,
  opts: { allowUnspecified: boolean },
): E {
  if (!Number.isInteger(value) || names[value] === undefined) {
    throw invalidArgument(field, `unknown value ${value}`);
  }
  if (value === 0 && !opts.allowUnspecified) throw invalidArgument(field, 'must be specified');
  return value;
}

/** A list of known, specified enum values (deduplicated). */
export function knownEnums<E extends number>(
  field: string,
  values: E[],
  names: Record<number, string>,
): E[] {
  return [...new Set(values.map((v) => knownEnum(field, v, names, { allowUnspecified: false })))];
}

/** Microseconds since the epoch of a valid Timestamp. */
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
  after: SecondsNanos | undefined,
  before: SecondsNanos | undefined,
  afterField: string,
  beforeField: string,
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

/** Milliseconds of a valid Duration within [minMs, maxMs]. */
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
