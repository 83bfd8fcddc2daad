import { create, type DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import type { Next } from './interceptor.js';

/** A handler method as connect-es types it, seen untyped. */
export type AnyImpl = (input: unknown, ctx: HandlerContext) => unknown;

/**
 * The innermost step of the chain: calls the service's handler with the
 * decoded request (or request stream) and returns its response, or writes
 * its response stream through `send` and returns undefined when it ends.
 */
export function invokeHandler(implOf: (method: DescMethod) => AnyImpl | undefined): Next {
  return async ({ method, ctx, input, send }) => {
    const impl = implOf(method);
    if (!impl) throw new ConnectError(`${method.name} is not implemented`, Code.Unimplemented);
    switch (method.methodKind) {
      case 'unary':
      case 'client_streaming':
        return create(method.output, (await impl(input, ctx)) as never);
      case 'server_streaming':
      case 'bidi_streaming':
        for await (const message of impl(input, ctx) as AsyncIterable<unknown>) {
          if (ctx.signal.aborted) break;
          await send(create(method.output, message as never));
        }
        // A client that cancelled gets Canceled, not OK (and logs say so).
        if (ctx.signal.reason instanceof ConnectError && ctx.signal.reason.code === Code.Canceled)
          throw ctx.signal.reason;
        return undefined;
    }
  };
}
