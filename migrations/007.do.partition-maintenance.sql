-- Partition maintenance without pg_cron: the scaler service calls
-- autoserve_ensure_partitions() on start-up and periodically (at least daily, because metrics
-- partitions are daily), and autoserve_drop_partitions_before() for retention. Several
-- service replicas may call them at the same time; both serialise on one advisory lock and
-- are idempotent.
--
-- Both are SECURITY DEFINER, owned by the migrating superuser, so the scaler role can create
-- and drop partitions without owning the tables (DDL needs ownership). That is only safe
-- because the table names come from a fixed list below, never from the caller, and because
-- search_path is pinned and nobody else may create objects in schema public (009).
--
-- Creating a partition takes an ACCESS EXCLUSIVE lock on the parent, which queues behind
-- long-running queries and blocks new ones meanwhile; callers should SET lock_timeout and
-- retry later, and create partitions well ahead (months_ahead) so a missed run is harmless.
-- Moving rows out of DEFAULT sets session_replication_role, which needs the owner to be a
-- superuser (as the migrations are).
--
-- Adding a partitioned table in a later migration: create it with a DEFAULT partition, then
-- CREATE OR REPLACE autoserve_partitioned_tables() with the new row and call
-- autoserve_ensure_partitions().
BEGIN;

-- The fixed list of time-partitioned tables: name, partition key column, and granularity.
-- Partitions are named <table>_pYYYYMM (month) or <table>_pYYYYMMDD (day), bounds in UTC.
CREATE FUNCTION autoserve_partitioned_tables()
RETURNS TABLE (table_name text, partition_key text, granularity text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  VALUES
    ('remediation_requests',   'created_at', 'month'),
    ('remediation_processing', 'created_at', 'month'),
    ('ai_analysis',            'created_at', 'month'),
    ('workflow_executions',    'created_at', 'month'),
    ('kubernetes_executions',  'created_at', 'month'),
    ('events',                 'timestamp',  'month'),
    ('metrics',                'timestamp',  'day')
$$;


-- Creates the partitions for the current month and the next months_ahead months (monthly
-- tables) and for today and the next 3 days (daily tables). Returns how many it created.
CREATE FUNCTION autoserve_ensure_partitions(months_ahead integer DEFAULT 2)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
-- pg_catalog first so no object in public can shadow a built-in; every table reference is
-- therefore written public.%I (unqualified CREATE would target pg_catalog). UTC so partition
-- bounds and names do not depend on the caller's TimeZone setting.
SET search_path = pg_catalog, public
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

  FOR t IN SELECT * FROM autoserve_partitioned_tables() LOOP
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
          FROM pg_attribute a
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
CREATE FUNCTION autoserve_drop_partitions_before(parent regclass, cutoff timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
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
    FROM autoserve_partitioned_tables() AS pt
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
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
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
    FOR fk IN
      SELECT c.conrelid::regclass AS referencing,
             (SELECT string_agg(format('r.%I = p.%I', ra.attname, pa.attname), ' AND ')
                FROM unnest(c.conkey, c.confkey) AS k (ref_att, par_att)
                JOIN pg_attribute ra ON ra.attrelid = c.conrelid AND ra.attnum = k.ref_att
                JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.par_att
             ) AS cond
        FROM pg_constraint c
       WHERE c.contype = 'f' AND c.confrelid = parent AND c.conparentid = 0
         AND c.confdeltype = 'c'
    LOOP
      -- referencing is a regclass (quoted on output); cond is built from %I-quoted names.
      EXECUTE format('DELETE FROM %s AS r USING public.%I AS p WHERE %s', fk.referencing, p.relname, fk.cond);
    END LOOP;

    EXECUTE format('ALTER TABLE public.%I DETACH PARTITION public.%I', t.table_name, p.relname);
    EXECUTE format('DROP TABLE public.%I', p.relname);
    dropped := dropped + 1;
  END LOOP;

  RETURN dropped;
END
$$;

-- SECURITY DEFINER functions are executable by PUBLIC by default; only the scaler role may
-- run maintenance (granted in 009).
REVOKE ALL ON FUNCTION autoserve_ensure_partitions(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION autoserve_drop_partitions_before(regclass, timestamptz) FROM PUBLIC;

-- Partitions for this month and the next two exist as soon as the schema does.
SELECT autoserve_ensure_partitions(2);

COMMIT;
