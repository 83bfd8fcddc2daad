import {
  APP_ONLY_DEFAULTS,
  HEALTH_CHECK_DEFAULTS,
  POLICY_DEFAULTS,
} from '@autoserve/runtime/model';
import { describe, expect, inject, it } from 'vitest';
import { queryOnce } from '../support/database.js';

const db = inject('db');

/** Columns whose DEFAULT is bookkeeping (identity, clock), not a policy the code must match. */
const BOOKKEEPING = new Set(['id', 'created_at', 'updated_at']);

const TABLES: [table: keyof typeof APP_ONLY_DEFAULTS, defaults: object][] = [
  ['scaling_policies', POLICY_DEFAULTS],
  ['health_checks', HEALTH_CHECK_DEFAULTS],
];

/**
 * The defaults table (runtime/src/model/defaults.ts) against the migrated database's column
 * DEFAULTs: a row written by SQL that leaves a column out must get what the validator, the
 * engine and GetScalingPolicy would have filled. Each DEFAULT expression is evaluated by the
 * server, so its type (double precision, jsonb, integer[]) is compared as node-postgres reads it.
 */
describe('the defaults table agrees with the column DEFAULTs', () => {
  for (const [table, defaults] of TABLES) {
    it(table, async () => {
      const cols = await queryOnce<{
        column_name: string;
        column_default: string | null;
        type: string;
      }>(
        db.ownerUrl,
        `SELECT c.column_name, c.column_default, format_type(a.atttypid, a.atttypmod) AS type
           FROM information_schema.columns c
           JOIN pg_attribute a
             ON a.attrelid = ('public.' || quote_ident($1))::regclass AND a.attname = c.column_name
          WHERE c.table_schema = 'public' AND c.table_name = $1`,
        [table],
      );
      expect(cols.rows.length, `${table} exists`).toBeGreaterThan(0);
      const dbDefault = new Map(cols.rows.map((c) => [c.column_name, c.column_default]));
      const typeOf = new Map(cols.rows.map((c) => [c.column_name, c.type]));
      const appOnly: readonly string[] = APP_ONLY_DEFAULTS[table];
      const entries = Object.entries(defaults);
      for (const [column, value] of entries) {
        expect(dbDefault.has(column), `${table}.${column} is a column`).toBe(true);
        const expr = dbDefault.get(column) ?? null;
        if (appOnly.includes(column) || value === null) {
          expect(expr, `${table}.${column} has no DEFAULT (the code fills it)`).toBeNull();
          continue;
        }
        expect(expr, `${table}.${column} has a DEFAULT`).not.toBeNull();
        // The expression comes from the catalog of our own migrations, never from a request.
        // Evaluated as the column's type, as an INSERT that leaves the column out stores it.
        const v = await queryOnce<{ v: unknown }>(
          db.ownerUrl,
          `SELECT (${expr})::${typeOf.get(column)} AS v`,
        );
        expect(v.rows[0]!.v, `${table}.${column} DEFAULT ${expr}`).toEqual(value);
      }
      const covered = new Set(entries.map(([c]) => c));
      const uncovered = cols.rows
        .filter((c) => c.column_default !== null && !BOOKKEEPING.has(c.column_name))
        .map((c) => c.column_name)
        .filter((c) => !covered.has(c));
      expect(uncovered, `${table} DEFAULTs missing from the defaults table`).toEqual([]);
    });
  }
});
