/**
 * Typed clients for the two services over Connect's gRPC transport (HTTP/2),
 * with the bearer token and a default deadline set once:
 *
 *   const scaler = createScalerClient({ baseUrl: 'http://127.0.0.1:50052', token });
 *   const { apps } = await scaler.listApps({});
 */
import type { DescService } from '@bufbuild/protobuf';
import { type Client, createClient, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ContextService } from './gen/autoserve/context/v1/context_service_pb.js';
import { ScalerService } from './gen/autoserve/scaler/v1/scaler_service_pb.js';
import { GuardedSessionManager } from './session-manager.js';

/** TLS settings for an https:// baseUrl with a private CA or client certificates (mTLS). */
export interface ClientTls {
  /** PEM CA bundle that signed the server's certificate (default: the system's). */
  ca?: string | Buffer;
  /** PEM client certificate and key, when the server asks for one (TLS_CLIENT_CA_FILE). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name to verify the server certificate against, when it differs from the URL's host. */
  serverName?: string;
}

export interface ClientOptions {
  /** http://host:port (plaintext h2c) or https://host:port (TLS). */
  baseUrl: string;
  /** Bearer token (AUTH_TOKENS of the service); omitted when the service runs with AUTH_DISABLED. */
  token?: string;
  /** Deadline of each call unless the call passes its own `timeoutMs` (default 10 s). */
  timeoutMs?: number;
  tls?: ClientTls;
  /** Extra interceptors (tracing, logging), run after the auth one. */
  interceptors?: Interceptor[];
}

/** A typed client plus `close()`, which ends its HTTP/2 connection. */
export type ServiceClient<S extends DescService> = Client<S> & { close(): void };

/** The servers' limit (grpc-js default), enforced on the client too. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

function bearer(token: string): Interceptor {
  return (next) => async (req) => {
    req.header.set('authorization', `Bearer ${token}`);
    return next(req);
  };
}

function connect<S extends DescService>(service: S, options: ClientOptions): ServiceClient<S> {
  const url = new URL(options.baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`baseUrl: expected http:// or https://, got "${options.baseUrl}"`);
  }
  const tls = options.tls;
  const nodeOptions = tls
    ? {
        ...(tls.ca ? { ca: tls.ca } : {}),
        ...(tls.cert ? { cert: tls.cert } : {}),
        ...(tls.key ? { key: tls.key } : {}),
        ...(tls.serverName ? { servername: tls.serverName } : {}),
      }
    : {};
  // Our own session manager so close() can end the connection: otherwise an
  // idle HTTP/2 session keeps a short script alive until it times out. Guarded: a server's
  // GOAWAY must not crash the caller's process (see GuardedSessionManager).
  const sessions = new GuardedSessionManager(options.baseUrl, {}, nodeOptions);
  const transport = createGrpcTransport({
    baseUrl: options.baseUrl,
    sessionManager: sessions,
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
    interceptors: [
      ...(options.token ? [bearer(options.token)] : []),
      ...(options.interceptors ?? []),
    ],
  });
  const client = createClient(service, transport) as ServiceClient<S>;
  Object.defineProperty(client, 'close', { value: () => sessions.abort(), enumerable: false });
  return client;
}

/** A typed client of the Scaler service (write side; default port 50052). */
export function createScalerClient(options: ClientOptions): ServiceClient<typeof ScalerService> {
  return connect(ScalerService, options);
}

/** A typed client of the Context service (read side; default port 50051). */
export function createContextClient(options: ClientOptions): ServiceClient<typeof ContextService> {
  return connect(ContextService, options);
}
