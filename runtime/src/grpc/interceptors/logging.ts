import { Code } from '@connectrpc/connect';
import type { Logger } from 'pino';
import { callLogger } from '../context.js';
import type { Interceptor } from '../interceptor.js';
import { OK, withOutcome } from './outcome.js';

/**
 * One log line per call with its code and duration; Internal and Unknown
 * at error level (their cause was logged where it was mapped).
 */
export function loggingInterceptor(fallback: Logger): Interceptor {
  return (next) => (req) =>
    withOutcome(next, req, (code, ms) => {
      const log = callLogger(req.ctx, fallback);
      if (code === Code.Internal || code === Code.Unknown)
        log.error({ code: Code[code], ms }, 'rpc failed');
      else
        log.info(
          { code: code === OK ? 'OK' : Code[code], ms: Math.round(ms * 1000) / 1000 },
          'rpc',
        );
    });
}
