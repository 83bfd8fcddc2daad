import { createHash } from 'node:crypto';
import type { scaler } from '@autoserve/proto';
import {
  checkLength,
  EMBEDDING_DIMENSIONS,
  invalidArgument,
  notFound,
  timestampOf,
  withTx,
} from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import { upsertIncidentEmbedding } from '../queries/incidents.js';
import { remediationPhaseCodec } from '../validation/enums.js';
import type { WriteSideDeps } from './deps.js';

/**
 * StoreIncidentEmbedding: a given vector (with its embedder's name) or text
 * embedded by the configured embedder, the same one the Context service
 * embeds queries with. Upserted per remediation request.
 */
export function createIncidentEmbedding({ db, embedder }: Pick<WriteSideDeps, 'db' | 'embedder'>) {
  return {
    async storeIncidentEmbedding(req: scaler.StoreIncidentEmbeddingRequest, ctx: HandlerContext) {
      if (req.remediationRequestId < 1n) {
        throw invalidArgument('remediation_request_id', 'must be >= 1');
      }
      const rootCause = checkLength('root_cause', req.rootCause, 0, 8192);
      const action = checkLength('remediation_action', req.remediationAction, 0, 8192);
      let values: ArrayLike<number>;
      let name: string;
      let contentHash: string | null = null;
      switch (req.content.case) {
        case 'vector': {
          const v = req.content.value;
          name = checkLength('vector.embedder', v.embedder, 1, 100);
          if (v.values.length !== EMBEDDING_DIMENSIONS) {
            throw invalidArgument('vector.values', `must have ${EMBEDDING_DIMENSIONS} values`);
          }
          let nonZero = false;
          for (const [i, x] of v.values.entries()) {
            if (!Number.isFinite(x)) throw invalidArgument(`vector.values[${i}]`, 'must be finite');
            if (x !== 0) nonZero = true;
          }
          if (!nonZero) throw invalidArgument('vector.values', 'must not be all zero');
          values = v.values;
          break;
        }
        case 'text': {
          const text = checkLength('text', req.content.value, 1, 32_768);
          name = embedder.name;
          contentHash = createHash('sha256').update(text).digest('hex');
          const [vec] = await embedder.embed([text], ctx.signal);
          if (!vec) throw new Error('embedder returned no vector');
          values = vec;
          break;
        }
        default:
          throw invalidArgument('content', 'one of vector or text is required');
      }
      const row = await withTx(db, { deadline: ctx }, (tx) =>
        upsertIncidentEmbedding(tx, {
          requestId: req.remediationRequestId,
          embedding: values,
          embedder: name,
          contentHash,
          rootCause: rootCause || null,
          remediationAction: action || null,
        }),
      );
      if (!row)
        throw notFound(`remediation_request_id: remediation request ${req.remediationRequestId}`);
      return {
        incident: {
          id: BigInt(row.id),
          remediationRequestId: BigInt(row.remediation_request_id),
          namespace: row.namespace,
          targetType: row.target_type,
          targetName: row.target_name,
          signalType: row.signal_type ?? '',
          signalName: row.signal_name ?? '',
          rootCause: row.root_cause ?? '',
          remediationAction: row.remediation_action ?? '',
          phase: remediationPhaseCodec.fromDb(row.phase),
          embedder: row.embedder,
          createdAt: timestampOf(row.remediation_request_created_at),
        },
      };
    },
  };
}
