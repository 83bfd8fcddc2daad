import { Code, ConnectError } from '@connectrpc/connect';

/**
 * SQLSTATE (or socket error) -> gRPC code, in one place. Anything not listed
 * is a bug and becomes Internal.
 */
const BY_SQLSTATE: Record<string, Code> = {
  '23505': Code.AlreadyExists, // unique_violation
  '23503': Code.FailedPrecondition, // foreign_key_violation: a referenced row is missing
  '23514': Code.InvalidArgument, // check_violation
  '23502': Code.InvalidArgument, // not_null_violation
  '22P02': Code.InvalidArgument, // invalid_text_representation
  '22003': Code.InvalidArgument, // numeric_value_out_of_range
  '22001': Code.InvalidArgument, // string_data_right_truncation
  '22007': Code.InvalidArgument, // invalid_datetime_format
  '22008': Code.InvalidArgument, // datetime_field_overflow
  '22023': Code.InvalidArgument, // invalid_parameter_value
  '2201E': Code.InvalidArgument, // invalid_argument_for_logarithm etc.
  '57014': Code.DeadlineExceeded, // query_canceled (statement_timeout)
  '40001': Code.Aborted, // serialization_failure: retry
  '40P01': Code.Aborted, // deadlock_detected: retry
  '55P03': Code.Aborted, // lock_not_available
  '25006': Code.FailedPrecondition, // read_only_sql_transaction (a write reached a standby)
  '53300': Code.Unavailable, // too_many_connections
  '57P01': Code.Unavailable, // admin_shutdown
  '57P02': Code.Unavailable, // crash_shutdown
  '57P03': Code.Unavailable, // cannot_connect_now (starting up / recovery)
  '58000': Code.Unavailable, // system_error
  '3D000': Code.Unavailable, // invalid_catalog_name: database missing
};

// 08xxx connection exceptions; 57P01-57P03 the server is shutting down, crashed or starting.
const SERVER_GONE = /^(08|57P0[123])/;

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

const TEXT = new Map<Code, string>([
  [Code.AlreadyExists, 'already exists'],
  [Code.FailedPrecondition, 'failed precondition'],
  [Code.InvalidArgument, 'invalid argument'],
  [Code.DeadlineExceeded, 'deadline exceeded while querying the database'],
  [Code.Aborted, 'concurrent update conflict, retry'],
  [Code.Unavailable, 'database unavailable'],
]);

interface DbErrorLike {
  code?: unknown;
  constraint?: unknown;
  column?: unknown;
  message?: unknown;
}

/** True for errors that mean the database could not be reached. */
export function isConnectionError(err: unknown): boolean {
  const e = err as DbErrorLike | undefined;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (CONNECTION_ERRORS.has(e.code) || SERVER_GONE.test(e.code))) {
    return true;
  }
  const message = typeof e.message === 'string' ? e.message : '';
  return (
    message.includes('Connection terminated') ||
    message.includes('timeout exceeded when trying to connect') ||
    message.includes('Client has encountered a connection error') ||
    message.includes('the database system is')
  );
}

/**
 * Maps a database error to a status error a caller can act on, or returns
 * undefined when it is not a known database condition (then it is a bug).
 * The message names the constraint or column, never the SQL or the values.
 */
export function mapDbError(err: unknown): ConnectError | undefined {
  if (isConnectionError(err))
    return new ConnectError(TEXT.get(Code.Unavailable)!, Code.Unavailable);
  const e = err as DbErrorLike | undefined;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') return undefined;
  const code = BY_SQLSTATE[e.code];
  if (code === undefined) return undefined;
  const where =
    typeof e.constraint === 'string'
      ? ` (constraint ${e.constraint})`
      : typeof e.column === 'string'
        ? ` (column ${e.column})`
        : '';
  return new ConnectError(
    `${TEXT.get(code) ?? 'database error'}${where}`,
    code,
    undefined,
    undefined,
    err,
  );
}
