import { type DescMethod, fromBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { type Interceptor, mapInput } from '../interceptor.js';

/**
 * Decodes the raw request bytes into messages, after auth and size limits.
 * Bytes that are not a valid message (truncated, wrong wire types, invalid
 * UTF-8 in a string) are the caller's fault: InvalidArgument. Methods in
 * `raw` keep their bytes (their handlers run a hand-written decoder).
 */
export function decodeInterceptor(raw: (method: DescMethod) => boolean): Interceptor {
  return (next) => async (req) => {
    if (raw(req.method)) return next(req);
    const schema = req.method.input;
    return next(
      mapInput(req, (bytes) => {
        try {
          return fromBinary(schema, bytes as Uint8Array);
        } catch (err) {
          throw new ConnectError(
            `request is not a valid ${schema.typeName}: ${err instanceof Error ? err.message : String(err)}`,
            Code.InvalidArgument,
          );
        }
      }),
    );
  };
}
