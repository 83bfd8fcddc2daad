-- Append-only time series of the scaler (seed 004): the event audit trail and raw metrics.
-- Both are partitioned by time so retention is a DROP of whole partitions (instant, no
-- bloat, no vacuum debt) instead of the seed's periodic DELETE, and so time-window queries
-- prune to the recent partitions; the seed's "recent" partial indexes with NOW() in the
-- predicate cannot be created at all (index predicates must be immutable).
--
-- Neither table has a foreign key to applications:
-- * events must outlive the app they describe (deleting an app is itself an event), and the
--   seed's ON DELETE SET NULL would rewrite every historic row of the app inside the DELETE;
-- * metrics are ingested in bulk (COPY); a per-row FK check roughly halves ingest throughput,
--   so the ingest path validates app names in code, and rows of a deleted app simply age out
--   with their partition.
--
-- Partitions (events_pYYYYMM monthly, metrics_pYYYYMMDD daily) come from
-- autoserve_ensure_partitions() (007); the DEFAULT partitions catch anything outside them.
BEGIN;

CREATE TABLE events (
  id             bigint GENERATED ALWAYS AS IDENTITY,

  event_type     text NOT NULL,
  event_category text NOT NULL DEFAULT 'application',

  app_name       text,
  container_id   text,

  message        text NOT NULL,
  details        jsonb,
  severity       text NOT NULL DEFAULT 'info',
  -- Numeric severity so "severity >= warning" is a range scan on one index instead of an
  -- IN-list over text values.
  severity_rank  smallint GENERATED ALWAYS AS (
    CASE severity
      WHEN 'debug' THEN 0
      WHEN 'info' THEN 1
      WHEN 'warning' THEN 2
      WHEN 'error' THEN 3
      WHEN 'critical' THEN 4
    END
  ) STORED,

  timestamp      timestamptz NOT NULL DEFAULT now(),

  source         text NOT NULL DEFAULT 'controller',
  node_id        text,

  PRIMARY KEY (id, timestamp),
  CONSTRAINT valid_event_type CHECK (event_type IN (
    'registration', 'scaling', 'health', 'config', 'deployment',
    'error', 'warning', 'network', 'resource', 'security',
    'lifecycle', 'remediation'
  )),
  CONSTRAINT valid_event_category CHECK (event_category IN (
    'application', 'system', 'cluster', 'security', 'performance'
  )),
  CONSTRAINT valid_severity CHECK (severity IN (
    'debug', 'info', 'warning', 'error', 'critical'
  ))
) PARTITION BY RANGE (timestamp);

CREATE TABLE events_default PARTITION OF events DEFAULT;

CREATE INDEX idx_events_app_name_timestamp ON events (app_name, timestamp DESC);
CREATE INDEX idx_events_type_timestamp ON events (event_type, timestamp DESC);
CREATE INDEX idx_events_timestamp ON events (timestamp DESC);
CREATE INDEX idx_events_severity_rank ON events (severity_rank, timestamp DESC);
CREATE INDEX idx_events_category ON events (event_category, timestamp DESC);
CREATE INDEX idx_events_container ON events (container_id, timestamp DESC);
-- Streaming subscribers resume with "WHERE id > $last ORDER BY id"; the primary key leads
-- with id too, but this narrower index is cheaper to walk.
CREATE INDEX idx_events_id ON events (id);
-- The seed's (app_name, event_type, severity, timestamp DESC) is left out: an app's events
-- are few enough per window that (app_name, timestamp DESC) plus a filter serves it.

-- Event streams (WatchEvents) wake on NOTIFY instead of polling. The payload is only the id:
-- a listener reads the row itself, which keeps the payload far below NOTIFY's 8000-byte limit
-- and respects the reader's own visibility (notifications are delivered at commit).
CREATE FUNCTION autoserve_notify_event() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  PERFORM pg_notify('autoserve_events', NEW.id::text);
  RETURN NULL;
END
$$;

-- Defined on the parent, so every current and future partition inherits it.
CREATE TRIGGER events_notify
  AFTER INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION autoserve_notify_event();


CREATE TABLE metrics (
  -- No id column: nothing reads rows by id, and a sequence is a per-row cost on the hottest
  -- write path.
  app_name          text NOT NULL,
  instance_id       integer,
  metric_type       text NOT NULL,
  timestamp         timestamptz NOT NULL DEFAULT now(),
  value             double precision NOT NULL,
  labels            jsonb,
  unit              text,
  aggregation_level text NOT NULL DEFAULT 'instance',

  CONSTRAINT valid_metric_type CHECK (metric_type IN (
    'cpu_percent', 'memory_percent', 'memory_bytes', 'rps',
    'latency_p50', 'latency_p95', 'latency_p99', 'active_connections',
    'error_rate', 'response_time', 'queue_length', 'disk_usage'
  )),
  CONSTRAINT valid_aggregation_level CHECK (aggregation_level IN (
    'instance', 'app', 'system'
  )),
  -- NaN/Infinity would poison every avg/percentile of the window. Postgres treats
  -- NaN = NaN as true, so "value = value" would not catch it; compare with 'NaN' explicitly.
  CONSTRAINT valid_value CHECK (
    value <> 'NaN'::double precision
    AND value <> 'Infinity'::double precision
    AND value <> '-Infinity'::double precision
  )
) PARTITION BY RANGE (timestamp);

CREATE TABLE metrics_default PARTITION OF metrics DEFAULT;

-- The one metrics index. The hot query is the autoscaler's window aggregate (avg/min/max/
-- percentiles of one app's metric type over the last N seconds): this index finds the window
-- and INCLUDE (value) answers it with an index-only scan. Every further index would slow
-- ingest; time-only access is served by partition pruning.
CREATE INDEX idx_metrics_app_type_time
  ON metrics (app_name, metric_type, timestamp DESC) INCLUDE (value);

COMMIT;
