import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextValues, createHandlerContext } from '@connectrpc/connect';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { type Next, streamsInput } from './interceptor.js';
import { statusDetails } from './status-details.js';

/** Abort reason of a finished call's context (releases its timers and listeners). */
const CALL_DONE = new ConnectError('call finished', Code.Canceled);

interface AnyCall extends NodeJS.EventEmitter {
  request?: unknown;
  metadata: grpc.Metadata;
  getDeadline(): grpc.Deadline;
  sendMetadata(md: grpc.Metadata): void;
  getPath(): string;
}
type Writable = grpc.ServerWritableStream<unknown, unknown>;

function headersOf(md: grpc.Metadata): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(md.getMap())) {
    if (typeof value === 'string') headers.set(key, value);
  }
  return headers;
}

/** Response metadata; an entry grpc-js would refuse (not printable ASCII) is dropped, not thrown. */
function metadataOf(headers: Headers): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [key, value] of headers) {
    try {
      md.set(key, value);
    } catch {
      // Only a handler bug can get here; the answer matters more than one header.
    }
  }
  return md;
}

function timeoutOf(deadline: grpc.Deadline): number | undefined {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * Resolves when a stream can take more (drain), the call ends (close) or
 * the call's signal aborts, and removes all three listeners whichever comes
 * first: a race of `once()` promises left one abort listener per wait on a
 * long stream (MaxListenersExceededWarning after 10).
 */
export function drained(stream: NodeJS.EventEmitter, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    signal.addEventListener('abort', done);
  });
}

/**
 * A streaming call's requests as an async iterable that does not destroy the
 * call when the loop ends: a plain `for await` over the grpc-js duplex
 * destroys it once the client half-closes, which also kills the response
 * side, so the final status (or a bidi handler's remaining responses) would
 * never be sent.
 */
function requestsOf(call: AnyCall): AsyncIterable<unknown> {
  return (call as unknown as import('node:stream').Readable).iterator({ destroyOnReturn: false });
}

/**
 * The grpc-js end of the transport: turns a grpc-js call into a CallRequest
 * (raw bytes in, Connect-style handler context), runs the interceptor chain
 * and sends its answer or status. Whatever happens while answering is caught
 * here, so no call can throw into grpc-js's event handlers and end the
 * process; every status message passes statusDetails on its way out.
 */
export function bridgeCall(
  service: DescService,
  method: DescMethod,
  next: Next,
  deps: { log: Logger; shutdownSignal: AbortSignal },
) {
  return (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => {
    const cancelled = new AbortController();
    call.on('cancelled', () =>
      cancelled.abort(new ConnectError('call cancelled by the client', Code.Canceled)),
    );
    const ctx = createHandlerContext({
      service,
      method,
      protocolName: 'grpc',
      requestMethod: 'POST',
      url: call.getPath(),
      timeoutMs: timeoutOf(call.getDeadline()),
      shutdownSignal: deps.shutdownSignal,
      requestSignal: cancelled.signal,
      requestHeader: headersOf(call.metadata),
      contextValues: createContextValues(),
    });
    let headerSent = false;
    const sendHeader = () => {
      if (headerSent) return;
      headerSent = true;
      call.sendMetadata(metadataOf(ctx.responseHeader));
    };
    const stream = call as unknown as Writable;
    const send = async (message: unknown) => {
      sendHeader();
      if (!stream.write(message)) await drained(call, ctx.signal);
    };
    const input = streamsInput(method) ? requestsOf(call) : call.request;
    next({ service, method, ctx, input, send })
      .then(
        (result) => {
          sendHeader();
          if (callback) callback(null, result, metadataOf(ctx.responseTrailer));
          else stream.end(metadataOf(ctx.responseTrailer));
        },
        (err: unknown) => {
          // The chain maps errors; anything else reaching here is a bug in it.
          const known = err instanceof ConnectError;
          if (!known) deps.log.error({ err }, 'unmapped error in the interceptor chain');
          sendHeader();
          const error = {
            code: (known ? err.code : Code.Internal) as number as grpc.status,
            details: statusDetails(known ? err.rawMessage : 'internal error'),
            metadata: metadataOf(ctx.responseTrailer),
          };
          if (callback) callback(error);
          else stream.emit('error', error);
        },
      )
      .catch((err: unknown) => {
        deps.log.error({ err, rpc: call.getPath() }, 'sending the answer failed');
      })
      .finally(() => {
        // A preallocated reason: abort() without one builds a DOMException (with a stack) per call.
        ctx.abort(CALL_DONE);
      });
  };
}
