-- Idempotent mutations: a client retrying a write with the same request_id gets the stored
-- response instead of a second side effect. request_hash detects a request_id reused for a
-- different request (answered with an error rather than a stale response). The key is
-- scoped per method so one request_id cannot collide across RPCs.
BEGIN;

CREATE TABLE idempotency_keys (
  request_id   text NOT NULL,
  method       text NOT NULL,
  request_hash text NOT NULL,
  -- The serialized protobuf response, replayed verbatim.
  response     bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),

  PRIMARY KEY (method, request_id)
);

-- Expired keys are purged with DELETE ... WHERE created_at < $1.
CREATE INDEX idx_idempotency_keys_created_at ON idempotency_keys (created_at);

COMMIT;
