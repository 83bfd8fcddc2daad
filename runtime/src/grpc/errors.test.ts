import { Code, ConnectError } from '@connectrpc/connect';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { toStatusError } from './errors.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { log, lines };
}

describe('toStatusError', () => {
  it('keeps expected failures', () => {
    const { log } = capture();
    expect(toStatusError(new ConnectError('name: must be set', Code.InvalidArgument), log)).toEqual(
      {
        code: Code.InvalidArgument,
        message: 'name: must be set',
      },
    );
  });

  it('turns bugs into Internal with a generic message and logs the cause', () => {
    const { log, lines } = capture();
    const status = toStatusError(
      new TypeError('cannot read properties of undefined (secret)'),
      log,
    );
    expect(status).toEqual({ code: Code.Internal, message: 'internal error' });
    expect(JSON.stringify(lines)).toContain('secret');
  });

  it('maps database conditions', () => {
    const { log } = capture();
    const err = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      constraint: 'applications_pkey',
    });
    expect(toStatusError(err, log).code).toBe(Code.AlreadyExists);
  });
});
