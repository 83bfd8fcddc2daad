import type { DescMethod, DescService } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';

/**
 * One call as it travels through the interceptor chain. `input` starts as
 * the raw request bytes grpc-js hands over (one Buffer for unary and server
 * streaming calls, an async iterable of Buffers for client and bidi
 * streams); the decode interceptor replaces it by decoded messages, so
 * everything before it (auth, size limits) runs without decoding anything.
 */
export interface CallRequest {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly ctx: HandlerContext;
  readonly input: unknown;
  /**
   * Writes one response of a server or bidi stream, with backpressure; the
   * promise settles when the transport can take the next one.
   */
  readonly send: (message: unknown) => Promise<void>;
}

/**
 * What a call produced: the response message of a unary or client-streaming
 * call; undefined for streaming responses (already written through `send`),
 * so every interceptor sees one promise that settles when the call is done.
 */
export type CallResult = unknown;

export type Next = (req: CallRequest) => Promise<CallResult>;

/** connect-es shape: wraps the rest of the chain. */
export type Interceptor = (next: Next) => Next;

/** Composes interceptors around a handler; the first one runs outermost. */
export function chain(interceptors: readonly Interceptor[], handler: Next): Next {
  return interceptors.reduceRight<Next>((next, interceptor) => interceptor(next), handler);
}

/** True for methods whose requests arrive as a stream of messages. */
export function streamsInput(method: DescMethod): boolean {
  return method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming';
}

/**
 * Applies `fn` to each request of a call: to the one message, or lazily to
 * every message of a request stream, so per-message checks on streams run
 * as each message arrives and a stream is never buffered.
 */
export function mapInput(
  req: CallRequest,
  fn: (message: unknown, index: number) => unknown,
): CallRequest {
  if (!streamsInput(req.method)) return { ...req, input: fn(req.input, 0) };
  const source = req.input as AsyncIterable<unknown>;
  return {
    ...req,
    input: {
      async *[Symbol.asyncIterator]() {
        let i = 0;
        for await (const message of source) yield fn(message, i++);
      },
    },
  };
}
