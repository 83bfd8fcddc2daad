import type { SearchPlan } from './plan.js';

/**
 * Planner settings under which each similarity plan is the only one Postgres picks, so the plan a
 * response reports is the plan that ran (measured: without them, a 10% filter told to use HNSW
 * ran as a bitmap scan + sort with zero HNSW index scans, and reported "hnsw").
 * - exact: the query orders by `distance + 0`, which no index can serve, so any plan Postgres
 *   picks (seq scan, bitmap or btree scan of the filtered rows, then a top-N sort) is exact;
 *   all planner methods stay on.
 * - hnsw: the only plan without a sort or a seq/bitmap scan of the table is the HNSW index scan
 *   in distance order, so switching those off (they are penalised, not forbidden) leaves it as
 *   the cheapest. The outer ORDER BY of the k rows still sorts; it is the same in every plan.
 */
export const PLAN_SETTINGS: Readonly<Record<SearchPlan['method'], Record<string, string>>> = {
  exact: {
    jit: 'off',
    enable_seqscan: 'on',
    enable_bitmapscan: 'on',
    enable_sort: 'on',
    enable_incremental_sort: 'on',
  },
  hnsw: {
    // A switched-off method costs 1e10, which puts every plan far above jit_above_cost: measured,
    // Postgres then spent 4.5 s JIT-compiling a 5 ms HNSW query. Context reads are short; JIT
    // never pays for itself on them, so it is off for both plans.
    jit: 'off',
    enable_seqscan: 'off',
    enable_bitmapscan: 'off',
    enable_sort: 'off',
    enable_incremental_sort: 'off',
  },
};

/**
 * Every Context read starts from the planner's defaults: the settings are session-level on
 * pooled connections, so a read after an HNSW search must not inherit its switched-off methods.
 */
export const PLANNER_DEFAULTS = PLAN_SETTINGS.exact;
