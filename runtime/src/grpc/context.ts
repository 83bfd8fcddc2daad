import { createContextKey, type HandlerContext } from '@connectrpc/connect';
import type { Logger } from 'pino';

/** Who is calling, as established by the auth check. */
export interface Principal {
  /** Token name from config, or "anonymous" in the no-auth dev mode. */
  name: string;
  scopes: ReadonlySet<Scope>;
}

export type Scope = 'read' | 'write';

/** Request id of the call (from x-request-id metadata, else generated). */
export const kRequestId = createContextKey<string>('', { description: 'request id' });
/** Logger bound to the call's request id and method. */
export const kLogger = createContextKey<Logger | undefined>(undefined, {
  description: 'call logger',
});
/** Authenticated caller. */
export const kPrincipal = createContextKey<Principal | undefined>(undefined, {
  description: 'principal',
});

/** The call's logger (falls back to a no-op-safe parent). */
export function callLogger(ctx: HandlerContext, fallback: Logger): Logger {
  return ctx.values.get(kLogger) ?? fallback;
}
