import { invalidArgument } from '../grpc/errors.js';
import { stringProblem } from '../grpc/string-check.js';

/**
 * String field checks of both services. One vocabulary, one argument order across
 * `validate/*`: the field path first (as in `invalidArgument(field, problem)`), then the value,
 * then its bounds. Each throws InvalidArgument naming the field, so a caller can fix the request
 * without reading server logs.
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

/** A required string of 1..max characters ("is required" when empty). */
export function requiredText(field: string, value: string, max = 255): string {
  if (value.length === 0) throw invalidArgument(field, 'is required');
  if (value.length > max) throw invalidArgument(field, `must be at most ${max} characters`);
  return value;
}

/** An optional string: empty means unset (undefined: "do not filter", "store NULL"). */
export function optionalText(field: string, value: string, max = 255): string | undefined {
  if (value.length > max) throw invalidArgument(field, `must be at most ${max} characters`);
  return value === '' ? undefined : value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Rejects text Postgres or the wire cannot carry: NUL and lone UTF-16 surrogates. */
export function checkText(field: string, value: string): string {
  if (value.includes('\0')) throw invalidArgument(field, 'must not contain NUL');
  if (LONE_SURROGATE.test(value)) throw invalidArgument(field, 'must be well-formed Unicode');
  return value;
}

/**
 * A string of a request the service decodes itself (`rawInput` methods: the transport's string
 * walk never saw it), refused with the transport's own words so both paths read the same.
 */
export function checkRawText(field: string, value: string): string {
  const problem = stringProblem(value);
  if (problem) throw invalidArgument(field, problem);
  return value;
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
    const at = `${field}[${JSON.stringify(key)}]`;
    if (key.length < 1 || key.length > limits.keyMax) {
      throw invalidArgument(at, `key must be 1..${limits.keyMax} characters`);
    }
    if (limits.keyPattern && !limits.keyPattern.test(key)) {
      throw invalidArgument(at, limits.keyRule ?? 'invalid key');
    }
    if ((map[key] ?? '').length > limits.valueMax) {
      throw invalidArgument(at, `value must be at most ${limits.valueMax} characters`);
    }
  }
  return { ...map };
}
