-- The application generation (spec version) each instance was created from, so
-- that a spec change rolls the running instances to it (surge one, retire an
-- old one once the new one is healthy). NULL: made before this column existed,
-- or adopted from a container without the label; taken as current, so an
-- upgrade of the Scaler alone restarts nothing.
BEGIN;
ALTER TABLE instances ADD COLUMN app_generation bigint;
ALTER TABLE instances
  ADD CONSTRAINT instances_app_generation_check CHECK (app_generation >= 1);
COMMIT;
