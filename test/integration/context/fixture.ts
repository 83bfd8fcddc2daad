import { ContextService, GuardedSessionManager } from '@autoserve/proto';
import type { RunningService } from '@autoserve/runtime';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import pg from 'pg';
import { expect } from 'vitest';
import type { TestDb } from '../../support/database.js';
import { waitForReplay } from '../../support/replay.js';
import { TOKENS } from '../../support/services.js';

/** Unique lower-case prefix so this file's rows never meet another file's. */
export function uniquePrefix(name: string): string {
  return `${name}-${process.pid}-${Date.now().toString(36)}`;
}

export type ContextClient = Client<typeof ContextService>;

/** The generated Connect client over gRPC, with the read token. */
export function contextClient(service: RunningService): ContextClient {
  return createClient(
    ContextService,
    createGrpcTransport({
      baseUrl: `http://127.0.0.1:${service.port}`,
      // A server's GOAWAY must not crash the test process (connect-es #1768).
      sessionManager: new GuardedSessionManager(`http://127.0.0.1:${service.port}`),
    }),
  );
}

export const auth = { headers: { authorization: `Bearer ${TOKENS.read}` } };

/** Waits until the replica has replayed everything written on the primary so far. */
export function waitForReplica(db: TestDb, timeoutMs = 30_000): Promise<void> {
  return waitForReplay(db.ownerUrl, db.ownerReplicaUrl, { timeoutMs, pollMs: 50 });
}

/** Runs fn with a connected client, then closes it. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Expects a call to fail with `code` and, for InvalidArgument, a message naming `field`. */
export async function expectCode(call: Promise<unknown>, code: Code, field?: string) {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${Code[code]}${field ? ` naming ${field}` : ''}`).toBeInstanceOf(
    ConnectError,
  );
  const ce = err as ConnectError;
  expect(Code[ce.code], ce.rawMessage).toBe(Code[code]);
  if (field) expect(ce.rawMessage.startsWith(`${field}: `), ce.rawMessage).toBe(true);
}
