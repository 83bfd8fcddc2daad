import { type DescMethod, type DescService, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Authenticator } from './auth.js';
import { bridgeCall } from './bridge.js';
import type { Scope } from './context.js';
import { chain, type Interceptor } from './interceptor.js';
import { authInterceptor } from './interceptors/auth.js';
import { decodeInterceptor } from './interceptors/decode.js';
import { errorMappingInterceptor } from './interceptors/error-mapping.js';
import { loggingInterceptor } from './interceptors/logging.js';
import { type CallObserver, observeInterceptor } from './interceptors/observe.js';
import { requestContextInterceptor } from './interceptors/request-context.js';
import { sizeLimitInterceptor } from './interceptors/size-limit.js';
import { validateStringsInterceptor } from './interceptors/validate-strings.js';
import { type AnyImpl, invokeHandler } from './invoke.js';

export type { CallObserver };

/**
 * Request message limit of a method without an override: requests of most
 * RPCs are a few KB, and a larger body is refused before it is decoded.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;

import { requiredScope } from './scope.js';

/** A service to serve: its descriptor and its implementation (scopes come from the contract). */
export interface ServiceRegistration<S extends DescService = DescService> {
  service: S;
  /** Every RPC of the service: a missing one is a compile error. */
  impl: ServiceImpl<S>;
  /**
   * Methods (by proto name) whose handlers decode their own requests: they get
   * the raw request bytes (a Buffer per message) instead of a decoded message.
   * For hot paths where a hand-written decoder beats reflective decoding.
   */
  rawInput?: ReadonlySet<string>;
  /**
   * Request message limits in bytes by method (proto name) for the methods
   * that carry bulk (metric batches, embeddings); the others get
   * DEFAULT_MAX_REQUEST_BYTES. Per message on request streams.
   */
  maxRequestBytes?: Readonly<Record<string, number>>;
}

/**
 * A registration checked against its own service (every RPC implemented,
 * with its own request and response types), then widened so services of
 * different types can be served together.
 */
export function registerService<S extends DescService>(
  reg: ServiceRegistration<S>,
): ServiceRegistration {
  return reg as unknown as ServiceRegistration;
}

export interface AdapterDeps {
  log: Logger;
  auth: Authenticator;
  shutdownSignal: AbortSignal;
  onCallEnd?: CallObserver;
  /**
   * Interceptors run after authentication and before the request is
   * size-checked and decoded (per-principal limits and the like).
   */
  interceptors?: readonly Interceptor[];
}

type AnyMessage = Record<string, unknown>;
const identity = (buf: Buffer) => buf;

/**
 * The chain every call of a service runs through, outermost first: request
 * id and trace, logging, metrics, error mapping, auth, then size limit,
 * decoding and string checks, so nothing is decoded before the caller is
 * known and nothing is decoded that is larger than its method allows.
 */
export function serviceChain(reg: ServiceRegistration, deps: AdapterDeps) {
  const impl = reg.impl as unknown as Record<string, AnyImpl | undefined>;
  const isRaw = (m: DescMethod) => reg.rawInput?.has(m.name) ?? false;
  // Each method's scope comes from its contract (required_scope); read once here, so a method
  // without one stops the server from starting instead of being served unclassified.
  const scopes = new Map(
    reg.service.methods.map((m): [string, Scope] => [m.name, requiredScope(m)]),
  );
  const scopeOf = (m: DescMethod): Scope => scopes.get(m.name)!;
  const limitOf = (m: DescMethod) => reg.maxRequestBytes?.[m.name] ?? DEFAULT_MAX_REQUEST_BYTES;
  return chain(
    [
      requestContextInterceptor(deps.log),
      loggingInterceptor(deps.log),
      ...(deps.onCallEnd ? [observeInterceptor(deps.onCallEnd)] : []),
      errorMappingInterceptor(deps.log),
      authInterceptor(deps.auth, scopeOf),
      ...(deps.interceptors ?? []),
      sizeLimitInterceptor(limitOf),
      decodeInterceptor(isRaw),
      validateStringsInterceptor(isRaw),
    ],
    invokeHandler((m) => impl[m.localName]?.bind(reg.impl)),
  );
}

/**
 * Builds the grpc-js service definition and handlers for a protobuf-es
 * service, so handlers keep the Connect shape (async functions returning
 * plain objects, ConnectError for expected failures) while grpc-js serves
 * them (it answered 4-5x more calls per second than connect-node here; see
 * `npm run bench -- transport`). grpc-js hands every request over as raw
 * bytes: decoding happens inside the chain, after auth.
 */
export function adaptService(reg: ServiceRegistration, deps: AdapterDeps) {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  const next = serviceChain(reg, deps);
  for (const method of reg.service.methods) {
    definition[method.name] = {
      path: `/${reg.service.typeName}/${method.name}`,
      requestStream:
        method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream:
        method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: (msg: AnyMessage) => Buffer.from(toBinary(method.input, msg as never)),
      requestDeserialize: identity,
      responseSerialize: (msg: AnyMessage) => Buffer.from(toBinary(method.output, msg as never)),
      responseDeserialize: (buf: Buffer) => fromBinary(method.output, buf),
      originalName: method.localName,
    } as grpc.MethodDefinition<unknown, unknown>;
    handlers[method.name] = bridgeCall(reg.service, method, next, deps) as grpc.UntypedHandleCall;
  }
  return { definition: definition as grpc.ServiceDefinition, handlers };
}
