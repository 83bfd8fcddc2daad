import { Code, ConnectError } from '@connectrpc/connect';
import type { CallRequest, Next } from '../interceptor.js';

// Connect's Code has no OK member; gRPC's OK is 0.
export const OK = 0 as Code;

/** The status code a settled call ends with (what the caller will see). */
export function codeOf(err: unknown): Code {
  return err instanceof ConnectError ? err.code : Code.Internal;
}

/**
 * Runs the rest of the chain and reports how it ended (code, milliseconds)
 * whether it answered or threw; shared by the logging and metrics
 * interceptors.
 */
export async function withOutcome(
  next: Next,
  req: CallRequest,
  report: (code: Code, ms: number) => void,
): Promise<unknown> {
  const started = performance.now();
  try {
    const result = await next(req);
    report(OK, performance.now() - started);
    return result;
  } catch (err) {
    report(codeOf(err), performance.now() - started);
    throw err;
  }
}
