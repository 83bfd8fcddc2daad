import { once } from 'node:events';
import {
  type ClientHttp2Stream,
  constants,
  createServer,
  type Http2Server,
  type Http2Session,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Http2SessionManager } from '@connectrpc/connect-node';
import { afterEach, describe, expect, it } from 'vitest';
import { GuardedSessionManager } from './session-manager.js';

let server: Http2Server | undefined;
afterEach(async () => {
  server?.close();
  server = undefined;
});

async function answered(stream: ClientHttp2Stream): Promise<void> {
  stream.end();
  stream.resume();
  await once(stream, 'close');
}

async function listen(): Promise<{ url: string; sessions: Http2Session[] }> {
  const sessions: Http2Session[] = [];
  server = createServer();
  server.on('session', (s) => sessions.push(s));
  server.on('stream', (s) => {
    s.respond({ ':status': 200 });
    s.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sessions };
}

/**
 * connect-es #1768: GOAWAY on an idle connection, a request that reconnects before the old
 * socket closed, then the old session's deferred error with nobody listening.
 */
async function goawayThenRequest(
  manager: Http2SessionManager,
  sessions: Http2Session[],
): Promise<unknown[]> {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    const first = await manager.request('POST', '/x', {}, {});
    const old = first.session!;
    await answered(first);
    let second: Promise<void> | undefined;
    // Runs right after the manager's own GOAWAY listener destroyed the idle session.
    old.once('goaway', () => {
      second = manager.request('POST', '/x', {}, {}).then(answered);
    });
    sessions[0]!.goaway(constants.NGHTTP2_NO_ERROR);
    // Not events.once: it would reject on the very 'error' this is about. Bounded: when the
    // deferred error is thrown, 'close' is never emitted.
    const closed = new Promise((resolve) => old.once('close', resolve));
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    await Promise.race([second, new Promise((r) => setTimeout(r, 500))]);
  } finally {
    process.off('uncaughtException', onUncaught);
    manager.abort();
  }
  return uncaught;
}

describe('GuardedSessionManager', () => {
  it('a GOAWAY on an idle connection followed by a request crashes nothing', async () => {
    const { url, sessions } = await listen();
    const uncaught = await goawayThenRequest(new GuardedSessionManager(url), sessions);
    expect(uncaught).toEqual([]);
  });
});
