-- SECURITY DEFINER functions, hardened against search-path hijacking (issue 9, item 1).
--
-- 007 and 008 pinned search_path = pg_catalog, public. Without an explicit pg_temp entry
-- PostgreSQL searches the caller's temporary schema FIRST for tables, so a caller could
-- create a temp table named pg_constraint (or pg_inherits, pg_class, pg_attribute) that the
-- function then read as the catalog: a fake "ON DELETE CASCADE" row made
-- autoserve_drop_partitions_before() delete from a table the caller has no rights on, as the
-- superuser that owns the function.
--
-- This migration recreates every definer function (same signatures, so owner and grants are
-- kept) with:
--   * search_path = pg_catalog, public, pg_temp: the temp schema is searched last, and never
--     for functions or operators;
--   * every catalog reference written pg_catalog.<name> and every table public.%I, so even
--     the search_path is only a second line of defence;
--   * dynamic SQL only over the fixed table list of public.autoserve_partitioned_tables()
--     and over tables of schema public that reference them by a catalog-declared foreign key,
--     never over caller input;
-- and revokes TEMP on the database from PUBLIC: neither service creates temporary tables,
-- and without TEMP there is nothing to plant. The definer functions still create their own
-- temp table as their owner.
BEGIN;

CREATE OR REPLACE FUNCTION autoserve_ensure_partitions(months_ahead integer DEFAULT 2)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
-- pg_catalog first and pg_temp last (see the header); every table reference is written
-- public.%I (unqualified CREATE would target pg_catalog). UTC so partition bounds and names
-- do not depend on the caller's TimeZone setting.
SET search_path = pg_catalog, public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  t            record;
  r            record;
  created      integer := 0;
  default_name text;
  has_rows     boolean;
  cols         text;
  saved_role   text;
  moved        bigint;
BEGIN
  IF months_ahead IS NULL OR months_ahead NOT BETWEEN 0 AND 120 THEN
    RAISE EXCEPTION 'months_ahead must be between 0 and 120, got %', months_ahead
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- One maintenance run at a time per database (the key is 'autoserv' in ASCII). A second
  -- caller waits, then finds everything already created and returns 0.
  PERFORM pg_advisory_xact_lock(7022647215980376694);

  FOR t IN SELECT * FROM public.autoserve_partitioned_tables() LOOP
    -- Taking a table lock makes this backend process pending catalog invalidations, so the
    -- to_regclass() checks below see partitions committed by a caller we waited for, even in
    -- a REPEATABLE READ transaction. ACCESS SHARE blocks nobody.
    EXECUTE format('LOCK TABLE public.%I IN ACCESS SHARE MODE', t.table_name);
    default_name := t.table_name || '_default';

    FOR r IN
      SELECT g AS lo,
             g + s.step AS hi,
             t.table_name || '_p' || to_char(g, s.fmt) AS part
      FROM (
        SELECT CASE t.granularity WHEN 'month' THEN interval '1 month' ELSE interval '1 day' END,
               CASE t.granularity WHEN 'month' THEN months_ahead ELSE 3 END,
               CASE t.granularity WHEN 'month' THEN 'YYYYMM' ELSE 'YYYYMMDD' END
      ) AS s (step, ahead, fmt),
      LATERAL generate_series(date_trunc(t.granularity, now()),
                              date_trunc(t.granularity, now()) + s.step * s.ahead,
                              s.step) AS g
    LOOP
      CONTINUE WHEN to_regclass(format('public.%I', r.part)) IS NOT NULL;

      -- CREATE ... PARTITION OF takes ACCESS EXCLUSIVE on the parent anyway; taking it first
      -- means no insert can slip a row into DEFAULT between the check and the CREATE.
      EXECUTE format('LOCK TABLE public.%I IN ACCESS EXCLUSIVE MODE', t.table_name);

      has_rows := false;
      IF to_regclass(format('public.%I', default_name)) IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I WHERE %I >= $1 AND %I < $2)',
                       default_name, t.partition_key, t.partition_key)
          INTO has_rows USING r.lo, r.hi;
      END IF;

      IF NOT has_rows THEN
        EXECUTE format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
                       r.part, t.table_name, r.lo, r.hi);
      ELSE
        -- Rows for this range already sit in DEFAULT (written before the partition existed),
        -- and Postgres refuses to create a partition that would strand them. Park them in a
        -- temp table, create the partition, and re-insert them through the parent.
        --
        -- session_replication_role = replica disables ordinary and foreign-key triggers for
        -- the move: the DELETE must not cascade to referencing rows (incident_embeddings),
        -- and re-inserted events must not be NOTIFYed again. Integrity holds because the
        -- same keys are back before commit, and the ACCESS EXCLUSIVE lock hides the gap.
        -- Generated columns are left out (they are recomputed); identity values are kept
        -- with OVERRIDING SYSTEM VALUE.
        SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum)
          INTO cols
          FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = to_regclass(format('public.%I', t.table_name))
           AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';

        saved_role := current_setting('session_replication_role');
        PERFORM set_config('session_replication_role', 'replica', true);

        -- Dynamic SQL throughout: a cached plan must never point at a dropped temp table.
        -- The temp table cannot outlive this block: it is dropped below, and any error rolls
        -- back its creation along with everything else.
        -- cols is a list of %I-quoted column names built above, hence %s.
        EXECUTE format('CREATE TEMP TABLE autoserve_partition_move AS SELECT %s FROM public.%I WITH NO DATA',
                       cols, default_name);
        EXECUTE format('WITH moved AS (DELETE FROM public.%I WHERE %I >= $1 AND %I < $2 RETURNING %s) '
                       'INSERT INTO pg_temp.autoserve_partition_move SELECT * FROM moved',
                       default_name, t.partition_key, t.partition_key, cols)
          USING r.lo, r.hi;
        GET DIAGNOSTICS moved = ROW_COUNT;
        EXECUTE format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
                       r.part, t.table_name, r.lo, r.hi);
        EXECUTE format('INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE '
                       'SELECT %s FROM pg_temp.autoserve_partition_move',
                       t.table_name, cols, cols);
        EXECUTE 'DROP TABLE pg_temp.autoserve_partition_move';

        PERFORM set_config('session_replication_role', saved_role, true);
        RAISE NOTICE 'autoserve_ensure_partitions: moved % row(s) from % into %',
          moved, default_name, r.part;
      END IF;

      created := created + 1;
    END LOOP;
  END LOOP;

  RETURN created;
END
$$;


-- Drops the partitions of one managed table whose whole range ends at or before cutoff, and
-- returns how many it dropped. The DEFAULT partition is never dropped. Bounds are read from
-- the naming convention, which only autoserve_ensure_partitions() produces.
CREATE OR REPLACE FUNCTION autoserve_drop_partitions_before(parent regclass, cutoff timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  t        record;
  p        record;
  fk       record;
  step     interval;
  digits   integer;
  fmt      text;
  lo       timestamptz;
  dropped  integer := 0;
BEGIN
  SELECT pt.* INTO t
    FROM public.autoserve_partitioned_tables() AS pt
   WHERE to_regclass(format('public.%I', pt.table_name)) = parent;
  IF NOT FOUND THEN
    RAISE EXCEPTION '% is not a partitioned table managed by autoserve', coalesce(parent::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF cutoff IS NULL OR NOT isfinite(cutoff) THEN
    RAISE EXCEPTION 'cutoff must be a finite timestamp' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  PERFORM pg_advisory_xact_lock(7022647215980376694);

  IF t.granularity = 'month' THEN
    step := interval '1 month'; digits := 6; fmt := 'YYYYMM';
  ELSE
    step := interval '1 day'; digits := 8; fmt := 'YYYYMMDD';
  END IF;

  FOR p IN
    SELECT c.relname
      FROM pg_catalog.pg_inherits i
      JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = parent
       AND c.relname ~ ('^' || t.table_name || '_p[0-9]{' || digits || '}$')
     ORDER BY c.relname
  LOOP
    lo := to_timestamp(right(p.relname, digits), fmt);
    CONTINUE WHEN lo + step > cutoff;

    -- Dropping a partition bypasses ON DELETE CASCADE (and Postgres refuses to detach one
    -- that is still referenced), so delete the referencing rows first, as deleting the
    -- partition's rows would have. For other ON DELETE actions the referencing rows stay and
    -- DETACH fails, which is the correct outcome.
    -- Only tables of schema public are ever touched: the referencing table is named
    -- public.%I from pg_catalog.pg_class, never a regclass rendered through search_path.
    FOR fk IN
      SELECT rc.relname AS referencing,
             (SELECT string_agg(format('r.%I = p.%I', ra.attname, pa.attname), ' AND ')
                FROM unnest(c.conkey, c.confkey) AS k (ref_att, par_att)
                JOIN pg_catalog.pg_attribute ra ON ra.attrelid = c.conrelid AND ra.attnum = k.ref_att
                JOIN pg_catalog.pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.par_att
             ) AS cond
        FROM pg_catalog.pg_constraint c
        JOIN pg_catalog.pg_class rc ON rc.oid = c.conrelid
        JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
       WHERE c.contype = 'f' AND c.confrelid = parent AND c.conparentid = 0
         AND c.confdeltype = 'c' AND rn.nspname = 'public'
    LOOP
      -- cond is built from %I-quoted column names, hence %s.
      EXECUTE format('DELETE FROM public.%I AS r USING public.%I AS p WHERE %s', fk.referencing, p.relname, fk.cond);
    END LOOP;

    EXECUTE format('ALTER TABLE public.%I DETACH PARTITION public.%I', t.table_name, p.relname);
    EXECUTE format('DROP TABLE public.%I', p.relname);
    dropped := dropped + 1;
  END LOOP;

  RETURN dropped;
END
$$;

CREATE OR REPLACE FUNCTION autoserve_refresh_success_rates()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  REFRESH MATERIALIZED VIEW CONCURRENTLY public.workflow_success_rates;
END
$$;

-- The database name differs per deployment (and per test run), so the REVOKE is dynamic.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;

COMMIT;
