import type {
  ListNearDuplicatesRequest,
  ListNearDuplicatesResponseSchema,
} from '@autoserve/proto/context/v1';
import {
  checkNumber,
  countOrDefault,
  decodePageToken,
  encodePageToken,
  invalidArgument,
  requiredText,
  timeRange,
} from '@autoserve/runtime';
import { type Row, toIncident } from '@autoserve/runtime/model';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import {
  countScopeUpTo,
  type DuplicateScope,
  getChunk,
  listDuplicatePairs,
} from '../queries/duplicates.js';
import { type HandlerDeps, readInfoOf } from './deps.js';

type Response = MessageInitShape<typeof ListNearDuplicatesResponseSchema>;

const KIND = 'near-duplicates';
const MAX_ID = '9223372036854775807';
/** Scopes up to this many incidents are compared exhaustively (every pair). */
const EXACT_MAX_ROWS = 2000;
/** Distance computations one exact chunk may do (chunk size = this / scope size). */
const EXACT_BUDGET = 400_000;
const HNSW_CHUNK = 100;
const NEIGHBOURS = 50;
/** Chunks one call walks at most before returning a (possibly short) page with a token. */
const MAX_CHUNKS = 8;

/** ListNearDuplicates: incident pairs above a similarity, paginated by (first.id, second.id). */
export function createNearDuplicatesHandler(deps: HandlerDeps) {
  return async function listNearDuplicates(
    req: ListNearDuplicatesRequest,
    ctx: HandlerContext,
  ): Promise<Response> {
    const range = timeRange('created_after', req.createdAfter, 'created_before', req.createdBefore);
    const scope: DuplicateScope = {
      namespace: requiredText('namespace', req.namespace),
      createdAfter: range.after,
      createdBefore: range.before,
    };
    const minSimilarity =
      req.minSimilarity === undefined
        ? 0.95
        : checkNumber('min_similarity', req.minSimilarity, 0, 1);
    const pageSize = countOrDefault('page_size', req.pageSize, 50, 500);
    const filters = { ...scope, minSimilarity };
    const pos = decodePageToken(req.pageToken, KIND, filters, ['string', 'string']);
    if (pos && !pos.every((x) => /^\d{1,19}$/.test(String(x)))) {
      throw invalidArgument('page_token', 'malformed page token');
    }
    let [afterA, afterB] = pos ? (pos as string[]) : ['0', '0'];

    const routed = await deps.router.read(
      {
        deadline: ctx,
        settings: {
          'hnsw.ef_search': String(2 * NEIGHBOURS),
          'hnsw.iterative_scan': 'relaxed_order',
        },
      },
      async (client) => {
        const n = await countScopeUpTo(client, scope, EXACT_MAX_ROWS + 1);
        const method = n <= EXACT_MAX_ROWS ? 'exact' : 'hnsw';
        const chunkSize =
          method === 'exact' ? Math.max(10, Math.floor(EXACT_BUDGET / Math.max(1, n))) : HNSW_CHUNK;
        const pairs: Row[] = [];
        for (let i = 0; i < MAX_CHUNKS; i++) {
          const chunk = await getChunk(client, scope, afterA!, chunkSize);
          if (chunk.n === 0 || chunk.last === null) return { pairs, next: undefined };
          const rows = await listDuplicatePairs(client, {
            scope,
            afterA: afterA!,
            afterB: afterB!,
            lastA: chunk.last,
            maxDistance: 1 - minSimilarity,
            limit: pageSize + 1 - pairs.length,
            method,
            neighbours: NEIGHBOURS,
          });
          pairs.push(...rows);
          if (pairs.length > pageSize) {
            const last = pairs[pageSize - 1]!;
            return {
              pairs: pairs.slice(0, pageSize),
              next: [String(last.x_id), String(last.y_id)],
            };
          }
          if (chunk.n < chunkSize) return { pairs, next: undefined };
          [afterA, afterB] = [chunk.last, MAX_ID];
        }
        return { pairs, next: [afterA!, afterB!] };
      },
    );
    const { pairs, next } = routed.value;
    return {
      pairs: pairs.map((r) => ({
        first: toIncident(r, 'x_'),
        second: toIncident(r, 'y_'),
        similarity: 1 - Number(r.distance),
      })),
      nextPageToken: next ? encodePageToken(KIND, filters, next) : '',
      readInfo: readInfoOf(ctx, routed),
    };
  };
}
