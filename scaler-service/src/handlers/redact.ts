import { kPrincipal } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';

/** What a reader sees instead of a secret value. */
export const REDACTED = '[redacted]';

/**
 * Whether the caller may see secret values (app env, health-check headers):
 * only principals with the write scope, who could set them anyway. Read-scope
 * tokens (dashboards, the Context side) see the keys, never the values.
 */
export function seesSecrets(ctx: HandlerContext): boolean {
  return ctx.values.get(kPrincipal)?.scopes.has('write') ?? false;
}

/** The map with every value replaced, keys kept, unless the caller sees secrets. */
export function redactValues(
  ctx: HandlerContext,
  map: Record<string, string>,
): Record<string, string> {
  if (seesSecrets(ctx)) return map;
  return Object.fromEntries(Object.keys(map).map((k) => [k, REDACTED]));
}
