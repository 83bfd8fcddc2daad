import type { DescMethod } from '@bufbuild/protobuf';
import type { Authenticator } from '../auth.js';
import { kPrincipal, type Scope } from '../context.js';
import type { Interceptor } from '../interceptor.js';

/** The scope a method requires (read or write). */
export type ScopeOf = (method: DescMethod) => Scope;

/**
 * Authenticates from the call's metadata and checks the method's scope,
 * before anything reads the request body: an unauthenticated caller costs
 * a header lookup, never a decode.
 */
export function authInterceptor(auth: Authenticator, scopeOf: ScopeOf): Interceptor {
  return (next) => async (req) => {
    const principal = auth.authorize(
      req.ctx.requestHeader.get('authorization') ?? undefined,
      scopeOf(req.method),
    );
    req.ctx.values.set(kPrincipal, principal);
    return next(req);
  };
}
