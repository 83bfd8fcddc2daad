import { GuardedSessionManager, ScalerService } from '@autoserve/proto';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { expect } from 'vitest';
import { TOKENS } from '../../support/services.js';

export type ScalerClient = Client<typeof ScalerService>;

/** A generated Connect client of the Scaler with a bearer token (write by default). */
export function scalerClient(port: number, token: string | undefined = TOKENS.write): ScalerClient {
  const transport = createGrpcTransport({
    baseUrl: `http://127.0.0.1:${port}`,
    // A server's GOAWAY must not crash the test process (connect-es #1768).
    sessionManager: new GuardedSessionManager(`http://127.0.0.1:${port}`),
    interceptors: [
      (next) => async (req) => {
        if (token) req.header.set('authorization', `Bearer ${token}`);
        return next(req);
      },
    ],
  });
  return createClient(ScalerService, transport);
}

/** Awaits a call expected to fail; checks its code and (optionally) message. */
export async function expectCode(
  call: Promise<unknown>,
  code: Code,
  message?: RegExp | string,
): Promise<ConnectError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${Code[code]}`).toBeInstanceOf(ConnectError);
  const ce = err as ConnectError;
  expect(Code[ce.code], ce.rawMessage).toBe(Code[code]);
  if (message !== undefined) {
    if (typeof message === 'string') expect(ce.rawMessage).toBe(message);
    else expect(ce.rawMessage).toMatch(message);
  }
  return ce;
}

let seq = 0;
/** A unique DNS-1123 app name per test run. */
export function appName(prefix = 'app'): string {
  seq++;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36).slice(-4)}${seq}`;
}
