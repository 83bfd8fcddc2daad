-- Per-workflow success rates and duration percentiles over the last 30 days, read by the
-- context service on every request. Aggregating 30 days of executions per call would be the
-- most expensive query it runs, so it is precomputed and refreshed by the scaler side.
--
-- Durations count only completed executions with both timestamps: a failed run's duration
-- says how fast it failed, not how long the remediation takes. now() is evaluated at refresh
-- time, so the window moves with each refresh.
BEGIN;

CREATE MATERIALIZED VIEW workflow_success_rates AS
SELECT
  namespace,
  workflow_name,
  count(*)                                          AS total_executions,
  count(*) FILTER (WHERE phase = 'Completed')       AS successful,
  count(*) FILTER (WHERE phase = 'Failed')          AS failed,
  (count(*) FILTER (WHERE phase = 'Completed'))::double precision / count(*) AS success_rate,
  avg(d.seconds)                                    AS avg_duration_seconds,
  percentile_cont(0.5)  WITHIN GROUP (ORDER BY d.seconds) AS p50_duration_seconds,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY d.seconds) AS p95_duration_seconds,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY d.seconds) AS p99_duration_seconds,
  max(created_at)                                   AS last_execution
FROM workflow_executions
CROSS JOIN LATERAL (
  SELECT CASE
           WHEN phase = 'Completed' AND started_at IS NOT NULL AND completed_at IS NOT NULL
           THEN extract(epoch FROM completed_at - started_at)::double precision
         END AS seconds
) AS d
WHERE created_at > now() - interval '30 days'
GROUP BY namespace, workflow_name;

-- Required by REFRESH ... CONCURRENTLY, which keeps the view readable during a refresh.
CREATE UNIQUE INDEX workflow_success_rates_key
  ON workflow_success_rates (namespace, workflow_name);

-- Only the owner may refresh a materialized view; this lets the scaler role do it without
-- owning it. REFRESH ... CONCURRENTLY is allowed inside a function (unlike CREATE INDEX
-- CONCURRENTLY); concurrent callers queue on the view's EXCLUSIVE lock.
CREATE FUNCTION autoserve_refresh_success_rates()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  REFRESH MATERIALIZED VIEW CONCURRENTLY public.workflow_success_rates;
END
$$;

REVOKE ALL ON FUNCTION autoserve_refresh_success_rates() FROM PUBLIC;

COMMIT;
