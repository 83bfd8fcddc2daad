-- pgvector backs incident_embeddings (003). Created per database because extensions are
-- database objects; the migrations run as a superuser, which CREATE EXTENSION needs here.
BEGIN;

CREATE EXTENSION IF NOT EXISTS vector;

-- The context service relies on HNSW iterative index scans (hnsw.iterative_scan), which exist
-- only from pgvector 0.8. Fail the migration loudly instead of returning short result pages
-- at query time on an older build.
DO $$
DECLARE
  v text := (SELECT extversion FROM pg_extension WHERE extname = 'vector');
BEGIN
  IF string_to_array(split_part(v, '-', 1), '.')::int[] < ARRAY[0, 8] THEN
    RAISE EXCEPTION 'pgvector >= 0.8 is required, found %', v
      USING HINT = 'ALTER EXTENSION vector UPDATE after installing a newer build';
  END IF;
END
$$;

COMMIT;
