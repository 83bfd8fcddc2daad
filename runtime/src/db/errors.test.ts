import { Code } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { isConnectionError, mapDbError } from './errors.js';

const pgError = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error('raw database message with secret values'), { code, ...extra });

describe('mapDbError', () => {
  it.each([
    ['23505', Code.AlreadyExists],
    ['23503', Code.FailedPrecondition],
    ['23514', Code.InvalidArgument],
    ['23502', Code.InvalidArgument],
    ['22P02', Code.InvalidArgument],
    ['57014', Code.DeadlineExceeded],
    ['40001', Code.Aborted],
    ['40P01', Code.Aborted],
    ['25006', Code.FailedPrecondition],
    ['57P01', Code.Unavailable],
    ['08006', Code.Unavailable],
  ])('maps SQLSTATE %s', (sqlstate, code) => {
    expect(mapDbError(pgError(sqlstate))?.code).toBe(code);
  });

  it('names the constraint, never the raw message', () => {
    const mapped = mapDbError(pgError('23514', { constraint: 'valid_replica_bounds' }));
    expect(mapped?.rawMessage).toContain('valid_replica_bounds');
    expect(mapped?.rawMessage).not.toContain('secret');
  });

  it('treats socket failures as Unavailable', () => {
    expect(
      mapDbError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))?.code,
    ).toBe(Code.Unavailable);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('leaves unknown errors (bugs) unmapped', () => {
    expect(mapDbError(pgError('42703'))).toBeUndefined(); // undefined_column: our SQL is wrong
    expect(mapDbError(new TypeError('x is not a function'))).toBeUndefined();
    expect(mapDbError(undefined)).toBeUndefined();
  });
});

describe('isConnectionError', () => {
  it('treats a server shutting down or restarting as unreachable', () => {
    for (const code of ['57P01', '57P02', '57P03', '08006']) {
      expect(isConnectionError(pgError(code))).toBe(true);
    }
    expect(isConnectionError(pgError('23505'))).toBe(false);
  });
});
