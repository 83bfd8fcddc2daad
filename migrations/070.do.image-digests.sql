-- Digest pinning: when an app's spec generation rolls out, the Scaler resolves its image
-- tag to a digest once and starts every instance of that generation from it, so a tag
-- pushed mid-rollout cannot give two replicas different code.
--   applications.image_ref         what the instances of image_generation start from
--                                  ("repo@sha256:..." or a local image id)
--   applications.image_digest      its digest, shown by GetApp
--   applications.image_generation  the generation they were resolved for; a newer
--                                  generation resolves again
--   instances.image_digest         the digest each instance was started from
-- NULL everywhere for the process runtime and for rows made before this migration.
BEGIN;
ALTER TABLE applications
  ADD COLUMN image_ref text,
  ADD COLUMN image_digest text,
  ADD COLUMN image_generation bigint;
ALTER TABLE applications
  ADD CONSTRAINT applications_image_ref_check CHECK (length(image_ref) BETWEEN 1 AND 512),
  ADD CONSTRAINT applications_image_digest_check CHECK (image_digest ~ '^sha256:[0-9a-f]{64}$'),
  ADD CONSTRAINT applications_image_generation_check CHECK (image_generation >= 1),
  ADD CONSTRAINT applications_image_pin_complete_check CHECK (
    (image_ref IS NULL) = (image_digest IS NULL) AND (image_ref IS NULL) = (image_generation IS NULL));
ALTER TABLE instances ADD COLUMN image_digest text;
ALTER TABLE instances
  ADD CONSTRAINT instances_image_digest_check CHECK (image_digest ~ '^sha256:[0-9a-f]{64}$');
COMMIT;
