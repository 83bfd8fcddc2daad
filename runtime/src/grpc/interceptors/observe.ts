import type { Code } from '@connectrpc/connect';
import type { Interceptor } from '../interceptor.js';
import { withOutcome } from './outcome.js';

/** Observer of finished calls (metrics). */
export type CallObserver = (method: string, code: Code, durationMs: number) => void;

/** Reports every finished call (method, code, duration) to the metrics observer. */
export function observeInterceptor(observer: CallObserver): Interceptor {
  return (next) => (req) =>
    withOutcome(next, req, (code, ms) => observer(req.method.name, code, ms));
}
