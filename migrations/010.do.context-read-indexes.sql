-- Read-side indexes of the context service (issue 3).
--
-- Incident.created_at is the remediation request's created_at (the contract), so similarity
-- filters and near-duplicate ranges use remediation_request_created_at, not the embedding
-- row's own insert time; this index serves "namespace + time range" filters for the exact
-- scan and the plan estimate.
--
-- Near-duplicate pages walk one namespace's incidents of one embedder in id order (keyset
-- pagination on (first.id, second.id)); (namespace, embedder, id) serves that walk directly.
--
-- Success rates over arbitrary windows are computed from workflow_executions (see
-- context-service/src/queries/success-rates.ts): one namespace's executions in a time window,
-- with every column the aggregate needs in the index so it runs as an index-only scan.
BEGIN;

CREATE INDEX idx_incident_embeddings_namespace_request_created
  ON incident_embeddings (namespace, remediation_request_created_at DESC);

CREATE INDEX idx_incident_embeddings_namespace_embedder_id
  ON incident_embeddings (namespace, embedder, id);

CREATE INDEX idx_workflow_executions_namespace_created
  ON workflow_executions (namespace, created_at)
  INCLUDE (workflow_name, phase, started_at, completed_at, remediation_request_ref);

COMMIT;
