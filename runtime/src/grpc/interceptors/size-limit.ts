import type { DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { type Interceptor, mapInput } from '../interceptor.js';

/** Largest request message a method accepts, in bytes. */
export type LimitOf = (method: DescMethod) => number;

/**
 * Refuses a request message over its method's limit before it is decoded
 * (per message on request streams): a few KB is all most RPCs need, so a
 * 4 MiB body sent to GetApp never reaches the decoder or a validator.
 */
export function sizeLimitInterceptor(limitOf: LimitOf): Interceptor {
  return (next) => async (req) => {
    const limit = limitOf(req.method);
    return next(
      mapInput(req, (message, index) => {
        const size = (message as Uint8Array).byteLength;
        if (size > limit) {
          const which = index > 0 ? ` (stream message ${index})` : '';
          throw new ConnectError(
            `request message of ${size} bytes${which} exceeds the ${limit}-byte limit of ${req.method.name}`,
            Code.ResourceExhausted,
          );
        }
        return message;
      }),
    );
  };
}
