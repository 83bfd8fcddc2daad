import type { DescMethod } from '@bufbuild/protobuf';
import { type Interceptor, mapInput } from '../interceptor.js';
import { checkStrings } from '../string-check.js';

/**
 * Refuses NUL and lone surrogates in any string field of any decoded request
 * (InvalidArgument naming the field), at the edge, before a handler or the
 * database sees them. Methods in `raw` (still bytes here) are skipped.
 */
export function validateStringsInterceptor(raw: (method: DescMethod) => boolean): Interceptor {
  return (next) => async (req) => {
    if (raw(req.method)) return next(req);
    const schema = req.method.input;
    return next(
      mapInput(req, (message) => {
        checkStrings(schema, message);
        return message;
      }),
    );
  };
}
