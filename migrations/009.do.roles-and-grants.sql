-- Least-privilege roles for the two services.
--   autoserve_scaler  - the write side: reads and writes every table, runs the maintenance
--                       functions. Owns nothing, so it cannot change the schema.
--   autoserve_context - the read side: SELECT only. Any INSERT/UPDATE/DELETE/TRUNCATE fails
--                       with 42501 even if it is pointed at the primary by mistake.
--
-- Roles are cluster-wide while everything else here is per database, and several databases
-- of one cluster (parallel test runs) apply these migrations, possibly at the same moment.
-- Creation therefore tolerates "already exists", including the race where another database
-- creates the role between our check and our CREATE. No passwords here: local clusters use
-- trust auth, and deployments set passwords out of band.
BEGIN;

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['autoserve_scaler', 'autoserve_context'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN', r);
      EXCEPTION
        WHEN duplicate_object OR unique_violation THEN
          NULL;  -- created concurrently by another database's migration
      END;
    END IF;
  END LOOP;
END
$$;

-- CONNECT is granted explicitly (not only through PUBLIC) so an operator can revoke PUBLIC's
-- CONNECT without cutting off the services.
DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO autoserve_scaler, autoserve_context',
                 current_database());
END
$$;

-- Only the migrating role creates objects. This also protects the SECURITY DEFINER
-- functions, whose search_path includes public, from objects planted there.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO autoserve_scaler, autoserve_context;

-- ALL TABLES covers partitioned tables, their partitions, views and materialized views.
-- No TRUNCATE for the scaler: retention goes through autoserve_drop_partitions_before.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO autoserve_scaler;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO autoserve_scaler;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO autoserve_context;
-- The runner's history table (runtime/src/db/migrate.ts) is the migrating role's alone.
DO $$
BEGIN
  IF to_regclass('public.schema_migrations') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE ON public.schema_migrations FROM autoserve_scaler;
  END IF;
END
$$;

GRANT EXECUTE ON FUNCTION autoserve_ensure_partitions(integer) TO autoserve_scaler;
GRANT EXECUTE ON FUNCTION autoserve_drop_partitions_before(regclass, timestamptz) TO autoserve_scaler;
GRANT EXECUTE ON FUNCTION autoserve_refresh_success_rates() TO autoserve_scaler;

-- Future objects get the same grants: tables from later migrations (created by the migrating
-- role) and partitions created by the maintenance functions (which run as their owner, the
-- migrating role). The FOR ROLE autoserve_scaler rules cover anything the scaler might ever
-- be allowed to create.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO autoserve_scaler;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO autoserve_scaler;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT ON TABLES TO autoserve_context;
ALTER DEFAULT PRIVILEGES FOR ROLE autoserve_scaler IN SCHEMA public
  GRANT SELECT ON TABLES TO autoserve_context;

COMMIT;
