import { vectorToSql } from '@autoserve/runtime';
import type { Db } from './db.js';

/** An incident_embeddings row without the vector. */
export interface IncidentRow {
  id: string;
  remediation_request_id: string;
  namespace: string;
  target_type: string;
  target_name: string;
  signal_type: string | null;
  signal_name: string | null;
  root_cause: string | null;
  remediation_action: string | null;
  phase: string | null;
  embedder: string;
  remediation_request_created_at: Date;
}

/**
 * Stores (or replaces) the embedding of a remediation request, copying the
 * request's filter fields (namespace, target, signal, priority, environment,
 * phase) in the same statement, so they cannot drift from the request at
 * write time. Returns undefined when the request does not exist.
 */
export async function upsertIncidentEmbedding(
  db: Db,
  e: {
    requestId: bigint;
    embedding: ArrayLike<number>;
    embedder: string;
    contentHash: string | null;
    rootCause: string | null;
    remediationAction: string | null;
  },
): Promise<IncidentRow | undefined> {
  const res = await db.query<IncidentRow>(
    `INSERT INTO incident_embeddings AS ie (
       remediation_request_id, remediation_request_created_at, namespace, target_type, target_name,
       signal_type, signal_name, priority, environment, phase, root_cause, remediation_action,
       embedder, content_hash, embedding)
     SELECT rr.id, rr.created_at, rr.namespace, rr.target_type, rr.target_name, rr.signal_type,
            rr.signal_name, rr.priority, rr.environment, rr.phase, $2, $3, $4, $5, $6::vector
       FROM remediation_requests rr
      WHERE rr.id = $1
      ORDER BY rr.created_at DESC
      LIMIT 1
     ON CONFLICT (remediation_request_id) DO UPDATE SET
       remediation_request_created_at = EXCLUDED.remediation_request_created_at,
       namespace = EXCLUDED.namespace, target_type = EXCLUDED.target_type,
       target_name = EXCLUDED.target_name, signal_type = EXCLUDED.signal_type,
       signal_name = EXCLUDED.signal_name, priority = EXCLUDED.priority,
       environment = EXCLUDED.environment, phase = EXCLUDED.phase,
       root_cause = EXCLUDED.root_cause, remediation_action = EXCLUDED.remediation_action,
       embedder = EXCLUDED.embedder, content_hash = EXCLUDED.content_hash,
       embedding = EXCLUDED.embedding, updated_at = now()
     RETURNING id, remediation_request_id, namespace, target_type, target_name, signal_type,
               signal_name, root_cause, remediation_action, phase, embedder,
               remediation_request_created_at`,
    [
      e.requestId.toString(),
      e.rootCause,
      e.remediationAction,
      e.embedder,
      e.contentHash,
      vectorToSql(e.embedding),
    ],
  );
  return res.rows[0];
}

/** Mirrors a request's new phase into its embedding row (if any). */
export async function setIncidentPhase(
  db: Db,
  requestId: string,
  phase: string | null,
): Promise<void> {
  await db.query(
    'UPDATE incident_embeddings SET phase = $2, updated_at = now() WHERE remediation_request_id = $1',
    [requestId, phase],
  );
}
