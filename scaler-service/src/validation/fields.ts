import { invalidArgument } from '@autoserve/runtime';
import type { Duration, Timestamp } from '@bufbuild/protobuf/wkt';

/**
 * Small field checks shared by every validator. Each throws InvalidArgument
 * naming the field (`spec.env["PORT"]: ...`) so a caller can fix the request
 * without reading server logs.
 */

// The shared checks (field first, then value, then bounds) live in the runtime.
export { checkInt, checkLength, checkNumber } from '@autoserve/runtime';

/** A Duration as whole seconds within [minS, maxS]; `fallback` when unset. */
export function durationSeconds(
  field: string,
  d: Duration | undefined,
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

/** Milliseconds since the epoch of a Timestamp (microsecond precision kept as a fraction). */
export function timestampMs(field: string, t: Timestamp): number {
  const ms = Number(t.seconds) * 1000 + t.nanos / 1e6;
  if (!Number.isFinite(ms) || t.nanos < 0 || t.nanos > 999_999_999) {
    throw invalidArgument(field, 'is not a valid timestamp');
  }
  return ms;
}

/** A timestamp as a Date, or null when unset; rejects dates outside years 1..9999. */
export function optionalDate(field: string, t: Timestamp | undefined): Date | null {
  if (!t) return null;
  const ms = timestampMs(field, t);
  if (ms < -62_135_596_800_000 || ms > 253_402_300_799_000) {
    throw invalidArgument(field, 'must be between years 1 and 9999');
  }
  return new Date(ms);
}

/** A string map with bounded size, key and value lengths. */
export function checkStringMap(
  field: string,
  map: Record<string, string>,
  limits: {
    maxEntries: number;
    keyMax: number;
    valueMax: number;
    keyPattern?: RegExp;
    keyRule?: string;
  },
): Record<string, string> {
  const keys = Object.keys(map);
  if (keys.length > limits.maxEntries) {
    throw invalidArgument(field, `must have at most ${limits.maxEntries} entries`);
  }
  for (const key of keys) {
    if (key.length < 1 || key.length > limits.keyMax) {
      throw invalidArgument(
        `${field}[${JSON.stringify(key)}]`,
        `key must be 1..${limits.keyMax} characters`,
      );
    }
    if (limits.keyPattern && !limits.keyPattern.test(key)) {
      throw invalidArgument(`${field}[${JSON.stringify(key)}]`, limits.keyRule ?? 'invalid key');
    }
    if ((map[key] ?? '').length > limits.valueMax) {
      throw invalidArgument(
        `${field}[${JSON.stringify(key)}]`,
        `value must be at most ${limits.valueMax} characters`,
      );
    }
  }
  return { ...map };
}

/** A Date as a protobuf Timestamp init (microsecond precision, as Postgres keeps). */
export function timestampOf(d: Date) {
  const ms = d.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A Duration as milliseconds within [minMs, maxMs] (whole ms); `fallback` when unset. */
export function durationMs(
  field: string,
  d: Duration | undefined,
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

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Rejects text Postgres or the wire cannot carry: NUL and lone UTF-16 surrogates. */
export function checkText(field: string, value: string): string {
  if (value.includes('\0')) throw invalidArgument(field, 'must not contain NUL');
  if (LONE_SURROGATE.test(value)) throw invalidArgument(field, 'must be well-formed Unicode');
  return value;
}
