import type { JsonObject } from '@bufbuild/protobuf';
import { tsOf } from './time.js';

/*
 * The readers take the value (`textOf(r.name, 'name')`): a static property read at each call
 * site stays fast, where `row[column]` inside one shared function is a megamorphic lookup that
 * made the mappers ~1.7x slower per row. The column name only labels a RowShapeError.
 */

/**
 * A row as a query hands it over: from node-postgres (int8 and numeric as strings, timestamptz
 * as Date) or from to_jsonb() (numbers, ISO text). Typed row interfaces describe the first; the
 * column readers below accept both, so one mapper serves both services.
 */
export type Row = Record<string, unknown>;

/**
 * A column whose value has a type its table cannot produce: a query selected the wrong thing or
 * the schema changed under the code. A bug (Internal), named by column so it is found at once,
 * instead of a silently zeroed field in a response.
 */
export class RowShapeError extends Error {
  constructor(column: string, expected: string, value: unknown) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    super(`row column ${column}: expected ${expected}, got ${got}`);
    this.name = 'RowShapeError';
  }
}

const INTEGER_TEXT = /^-?\d{1,20}$/;

/** An int8 id (string from node-postgres, number from to_jsonb); NULL reads as 0. */
export function idOf(v: unknown, column: string): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && INTEGER_TEXT.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw new RowShapeError(column, 'an integer id', v);
}

/** A text column; NULL reads as '' (proto3 strings have no null). */
export function textOf(v: unknown, column: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  throw new RowShapeError(column, 'text', v);
}

/** A numeric column (numeric and int8 arrive as text); NULL reads as 0. */
export function numberOf(v: unknown, column: string): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new RowShapeError(column, 'a number', v);
}

/** A boolean column; NULL reads as false. */
export function boolOf(v: unknown, column: string): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  throw new RowShapeError(column, 'a boolean', v);
}

/** A timestamptz column as a Timestamp init; NULL reads as unset. */
export function timeOf(v: unknown, column: string) {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date || typeof v === 'string') {
    const t = tsOf(v);
    if (t) return t;
  }
  throw new RowShapeError(column, 'a timestamp', v);
}

/**
 * A jsonb column as a Struct init. jsonb holds any JSON: only an object maps to a Struct, any
 * other value (and NULL) reads as unset, as both services always did.
 */
export function jsonObjectOf(v: unknown, _column?: string): JsonObject | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
    ? (v as JsonObject)
    : undefined;
}

/** A text[] (or jsonb array) column; NULL reads as []. */
export function stringsOf(v: unknown, column: string): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map(String);
  throw new RowShapeError(column, 'an array', v);
}

/** A jsonb string map (labels); a non-string value is kept as its JSON text. */
export function labelsOf(v: unknown, column: string): Record<string, string> {
  const o = jsonObjectOf(v, column);
  const out: Record<string, string> = {};
  if (!o) return out;
  for (const [k, val] of Object.entries(o)) {
    out[k] = typeof val === 'string' ? val : JSON.stringify(val);
  }
  return out;
}

/** A stored enum text through its codec; NULL and unknown text read as UNSPECIFIED (0). */
export function enumOf<E extends number>(
  v: unknown,
  column: string,
  codec: { fromDb(text: string | null | undefined): E },
): E {
  if (v === null || v === undefined || typeof v === 'string') return codec.fromDb(v);
  throw new RowShapeError(column, 'enum text', v);
}
