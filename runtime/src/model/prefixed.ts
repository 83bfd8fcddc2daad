import type { Row } from './columns.js';

/**
 * `alias.col AS prefixcol, ...` for a column list (constants, never request data): a join
 * selects only what the mapper reads, instead of to_jsonb() of whole rows, which the server
 * serialises and the client parses as JSON on every call.
 */
export function selectColumns(alias: string, prefix: string, columns: readonly string[]): string {
  return columns.map((c) => `${alias}.${c} AS ${prefix}${c}`).join(', ');
}

const prefixedNames = new Map<string, readonly string[]>();

/**
 * A view of a row's `prefix`-named columns under their own names ('' = the row itself), so one
 * mapper reads a table's own rows and a join's prefixed ones. Reads only the mapper's own
 * columns: scanning every key of a 50-column join row, three times per result, was a visible
 * share of a similarity call's CPU.
 */
export function unprefixed(row: object, p: string, columns: readonly string[]): Row {
  if (!p) return row as Row;
  const key = `${p}\0${columns[0]}`;
  let names = prefixedNames.get(key);
  if (!names) {
    names = columns.map((c) => `${p}${c}`);
    prefixedNames.set(key, names);
  }
  const r = row as Row;
  const out: Row = {};
  for (let i = 0; i < columns.length; i++) out[columns[i]!] = r[names[i]!];
  return out;
}
