import { invalidArgument } from '../grpc/errors.js';

// Number and enum field checks; field first, then the value, then its bounds (see text.ts).

/** An integer within [min, max]. */
export function checkInt(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `must be an integer in ${min}..${max}`);
  }
  return value;
}

/** A finite number within [min, max]. */
export function checkNumber(field: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) throw invalidArgument(field, 'must be finite');
  if (value < min || value > max) throw invalidArgument(field, `must be ${min}..${max}`);
  return value;
}

/** An integer count of 1..max; 0 (proto3's unset) gives the default. */
export function countOrDefault(field: string, value: number, def: number, max: number): number {
  if (value === 0) return def;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(field, `must be 1..${max}`);
  }
  return value;
}

/** A known value of a protobuf enum; UNSPECIFIED (0) only when `allowUnspecified`. */
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
