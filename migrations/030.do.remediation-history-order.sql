-- ListRemediationHistory without a namespace filter orders every request by
-- (created_at DESC, id DESC); the (namespace, created_at, id) index cannot
-- serve that, so a page of 1 sorted the whole table (146 ms at 100K rows).
-- With this index each partition is read in order and merged.
BEGIN;
CREATE INDEX idx_remediation_requests_recent ON remediation_requests (created_at DESC, id DESC);
COMMIT;
