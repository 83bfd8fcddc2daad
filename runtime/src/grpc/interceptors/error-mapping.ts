import { ConnectError } from '@connectrpc/connect';
import type { Logger } from 'pino';
import { callLogger } from '../context.js';
import { toStatusError } from '../errors.js';
import type { Interceptor } from '../interceptor.js';

/**
 * Turns whatever the rest of the chain threw into the ConnectError the
 * caller will see: expected failures keep code and message, database
 * conditions are mapped, anything else becomes Internal with a generic
 * message and its cause logged (see toStatusError).
 */
export function errorMappingInterceptor(fallback: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      const status = toStatusError(err, callLogger(req.ctx, fallback));
      if (
        err instanceof ConnectError &&
        err.code === status.code &&
        err.rawMessage === status.message
      )
        throw err;
      throw new ConnectError(status.message, status.code);
    }
  };
}
