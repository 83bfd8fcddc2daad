import { createHash } from 'node:crypto';
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Db } from '../queries/db.js';
import {
  insertIdempotencyKey,
  lockRequestId,
  maybeGetIdempotencyKey,
} from '../queries/idempotency.js';

/**
 * Runs a mutation at most once per (method, request_id), inside the caller's
 * transaction. A retry with the same id and the same request gets the first
 * response (stored as bytes in the same transaction as the change) and
 * changes nothing; the same id with a different request is AlreadyExists.
 * An empty request id just runs the mutation.
 */
export async function idempotent<I extends DescMessage, O extends DescMessage>(
  db: Db,
  call: {
    method: string;
    requestId: string;
    input: I;
    request: MessageShape<I>;
    output: O;
  },
  mutate: () => Promise<MessageInitShape<O>>,
): Promise<MessageShape<O>> {
  if (call.requestId === '') return create(call.output, await mutate());
  const hash = createHash('sha256').update(toBinary(call.input, call.request)).digest('hex');
  await lockRequestId(db, call.method, call.requestId);
  const stored = await maybeGetIdempotencyKey(db, call.method, call.requestId);
  if (stored) {
    if (stored.request_hash !== hash) {
      throw new ConnectError(
        `request_id: "${call.requestId}" was already used for a different ${call.method} request`,
        Code.AlreadyExists,
      );
    }
    return fromBinary(call.output, stored.response);
  }
  const response = create(call.output, await mutate());
  await insertIdempotencyKey(db, {
    method: call.method,
    requestId: call.requestId,
    requestHash: hash,
    response: toBinary(call.output, response),
  });
  return response;
}
