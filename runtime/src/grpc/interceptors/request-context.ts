import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { kLogger, kRequestId } from '../context.js';
import type { Interceptor } from '../interceptor.js';

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;
// Echoed in a response header: printable ASCII only, bounded.
const REQUEST_ID = /^[\x20-\x7e]{1,128}$/;
// A traceparent is 55 characters; anything longer is not one (and is not matched).
const MAX_TRACEPARENT = 55;

/**
 * Gives the call its request id (the caller's `x-request-id`, bounded, else
 * a new one, echoed in the response header) and a logger that carries it
 * and the W3C trace context, so every log line of a call joins the
 * caller's trace.
 */
export function requestContextInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    const { ctx } = req;
    const given = (ctx.requestHeader.get('x-request-id') ?? '').slice(0, 128);
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    const traceparent = ctx.requestHeader.get('traceparent') ?? '';
    const trace = traceparent.length <= MAX_TRACEPARENT ? TRACEPARENT.exec(traceparent) : null;
    const callLog = log.child({
      rpc: `${req.service.typeName}/${req.method.name}`,
      request_id: requestId,
      ...(trace ? { trace_id: trace[1], parent_span_id: trace[2] } : {}),
    });
    ctx.values.set(kRequestId, requestId).set(kLogger, callLog);
    ctx.responseHeader.set('x-request-id', requestId);
    return next(req);
  };
}
