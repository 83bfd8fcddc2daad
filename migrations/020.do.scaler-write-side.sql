-- Write-side adjustments for the Scaler RPCs (issue 4).
--
-- * health_checks.port becomes nullable: the contract's port 0 means "the instance's assigned
--   port", and every replica gets its own loopback port, so no single number can be stored.
--   The CHECK (port BETWEEN 1 AND 65535) still holds for any value given.
-- * scaling_policies targets, weights and tolerances become double precision: the contract
--   carries doubles (12.5 RPS per replica is a valid target), an integer column would round
--   them, and a real column would read 33.3 back as 33.29999923706055.
BEGIN;

ALTER TABLE health_checks ALTER COLUMN port DROP NOT NULL;

ALTER TABLE scaling_policies
  ALTER COLUMN target_rps_per_replica TYPE double precision,
  ALTER COLUMN max_p95_latency_ms TYPE double precision,
  ALTER COLUMN max_cpu_percent TYPE double precision,
  ALTER COLUMN max_memory_percent TYPE double precision,
  ALTER COLUMN max_connections_per_replica TYPE double precision,
  ALTER COLUMN cpu_weight TYPE double precision,
  ALTER COLUMN memory_weight TYPE double precision,
  ALTER COLUMN rps_weight TYPE double precision,
  ALTER COLUMN latency_weight TYPE double precision,
  ALTER COLUMN connection_weight TYPE double precision,
  ALTER COLUMN scale_up_tolerance TYPE double precision,
  ALTER COLUMN scale_down_tolerance TYPE double precision,
  ALTER COLUMN activation_threshold TYPE double precision;

COMMIT;
