import { invalidArgument } from './errors.js';

/**
 * The field checks both services share, in one vocabulary with one argument
 * order: the field path first, as in `invalidArgument(field, problem)`, then
 * the value, then its bounds. Each throws InvalidArgument naming the field.
 */

/** A string of min..max characters (UTF-16 code units). */
export function checkLength(field: string, value: string, min: number, max: number): string {
  const n = value.length;
  if (n < min || n > max) {
    throw invalidArgument(
      field,
      min === 0 ? `must be at most ${max} characters` : `must be ${min}..${max} characters`,
    );
  }
  return value;
}

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
