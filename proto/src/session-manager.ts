import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { Http2SessionManager } from '@connectrpc/connect-node';

/**
 * connect-node's HTTP/2 session manager, made safe against a crash it leaves open
 * (connect-es issue #1768, open in 2.1.x-2.3.0): a GOAWAY on an idle connection makes the
 * manager destroy it with an error that Node emits on the session only once the socket has
 * closed; if a request reconnects before that, the manager has already removed its 'error'
 * listeners and the deferred error is an uncaught exception that kills the process. Our
 * servers send GOAWAY at their maximum connection age and when they shut down, so every
 * long-lived client meets it. Each session that carried a request gets one listener of its
 * own for its whole life; the manager's state machine and the streams still see every error.
 */
export class GuardedSessionManager extends Http2SessionManager {
  readonly #guarded = new WeakSet<ClientHttp2Session>();

  override async request(
    ...args: Parameters<Http2SessionManager['request']>
  ): Promise<ClientHttp2Stream> {
    const stream = await super.request(...args);
    const session = stream.session as ClientHttp2Session | undefined;
    if (session && !this.#guarded.has(session)) {
      this.#guarded.add(session);
      session.on('error', () => {
        // Swallowed on purpose: the stream and the manager already got it (see above).
      });
    }
    return stream;
  }
}
