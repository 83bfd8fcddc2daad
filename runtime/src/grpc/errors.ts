import { Code, ConnectError } from '@connectrpc/connect';
import type { Logger } from 'pino';
import { mapDbError } from '../db/errors.js';

export interface StatusError {
  /** gRPC status code (Connect's Code uses the same numbers). */
  code: Code;
  /** Message sent to the caller. */
  message: string;
}

/**
 * Turns anything a handler threw into the status sent to the caller.
 * Expected failures (ConnectError, known database conditions) keep their code
 * and message; anything else is a bug: Internal with a generic message, and
 * the cause is logged, never sent.
 */
export function toStatusError(err: unknown, log: Logger): StatusError {
  if (err instanceof ConnectError) {
    if (err.code === Code.Internal || err.code === Code.Unknown) {
      log.error({ err }, 'internal error');
      return { code: Code.Internal, message: 'internal error' };
    }
    return { code: err.code, message: err.rawMessage };
  }
  const mapped = mapDbError(err);
  if (mapped) {
    log.warn({ err, code: Code[mapped.code] }, 'database error mapped to status');
    return { code: mapped.code, message: mapped.rawMessage };
  }
  if (isAbort(err)) return { code: Code.Canceled, message: 'call cancelled' };
  log.error({ err }, 'internal error');
  return { code: Code.Internal, message: 'internal error' };
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Shorthand for the InvalidArgument errors validation throws. */
export function invalidArgument(field: string, problem: string): ConnectError {
  return new ConnectError(`${field}: ${problem}`, Code.InvalidArgument);
}

/** Shorthand for NotFound. */
export function notFound(what: string): ConnectError {
  return new ConnectError(`${what} not found`, Code.NotFound);
}

/** Shorthand for FailedPrecondition. */
export function failedPrecondition(message: string): ConnectError {
  return new ConnectError(message, Code.FailedPrecondition);
}
