-- An app's metrics source (issue 14) lives in applications.spec under the key metrics_source,
-- so every read of the spec (GetApp, ListApps, UpdateApp's replace) carries it. Changing only
-- the source must not roll the instances: the generation trigger now compares the spec
-- without that key. The scraper lists the apps that have a source with the partial index
-- (a constant, immutable predicate). The CHECK keeps the stored shape the scraper expects.
BEGIN;

CREATE OR REPLACE FUNCTION autoserve_bump_application_generation() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  IF (NEW.spec - 'metrics_source') IS DISTINCT FROM (OLD.spec - 'metrics_source')
     AND NEW.generation = OLD.generation THEN
    NEW.generation := OLD.generation + 1;
  END IF;
  RETURN NEW;
END
$$;

ALTER TABLE applications ADD CONSTRAINT applications_metrics_source_check CHECK (
  NOT spec ? 'metrics_source'
  OR (jsonb_typeof(spec->'metrics_source') = 'object'
      AND jsonb_typeof(spec->'metrics_source'->'series') = 'array'
      AND jsonb_typeof(spec->'metrics_source'->'interval_ms') = 'number')
);

CREATE INDEX idx_applications_metrics_source ON applications (name)
  WHERE spec ? 'metrics_source';

COMMIT;
