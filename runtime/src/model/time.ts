/** A protobuf Timestamp init (the model maps rows to message inits, not messages). */
export interface TimestampInit {
  seconds: bigint;
  nanos: number;
}

const FRACTION = /\.(\d{1,9})/;

/**
 * Timestamp of a timestamptz as node-postgres (Date, millisecond precision) or
 * to_jsonb (ISO text, microsecond precision) hands it over.
 */
export function tsOf(value: Date | string | null | undefined): TimestampInit | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) {
    const ms = value.getTime();
    const seconds = Math.floor(ms / 1000);
    return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  const frac = FRACTION.exec(value)?.[1] ?? '';
  return { seconds: BigInt(seconds), nanos: Number(frac.padEnd(9, '0')) };
}

/** A protobuf Duration of `seconds` (fractional allowed). */
export function durationOfSeconds(seconds: number): { seconds: bigint; nanos: number } {
  const whole = Math.floor(seconds);
  return {
    seconds: BigInt(whole),
    nanos: Math.min(999_999_999, Math.round((seconds - whole) * 1e9)),
  };
}
