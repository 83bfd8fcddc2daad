import { createHash, timingSafeEqual } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { ConfigError, type Env, readBool, readOptional } from '../config/env.js';
import type { Principal, Scope } from './context.js';

/** Auth settings: bearer tokens with scopes, or an explicit no-auth dev mode. */
export type AuthConfig = { mode: 'tokens'; tokens: readonly TokenEntry[] } | { mode: 'disabled' };

export interface TokenEntry {
  name: string;
  token: string;
  scopes: readonly Scope[];
}

/** Shortest accepted bearer token: 24 characters of a random token are >= 128 bits. */
export const MIN_TOKEN_LENGTH = 24;

/**
 * AUTH_TOKENS="name:token:scope[+scope],..." (scope read or write; write
 * implies read), or AUTH_DISABLED=true for local development.
 */
export function loadAuthConfig(env: Env): AuthConfig {
  const disabled = readBool(env, 'AUTH_DISABLED', false);
  const spec = readOptional(env, 'AUTH_TOKENS');
  if (disabled && spec)
    throw new ConfigError('AUTH_DISABLED', 'cannot be true while AUTH_TOKENS is set');
  if (disabled) return { mode: 'disabled' };
  if (!spec) {
    throw new ConfigError(
      'AUTH_TOKENS',
      'is required (name:token:scope,...), or set AUTH_DISABLED=true for local development',
    );
  }
  const tokens = spec.split(',').map((entry, i) => {
    const parts = entry.trim().split(':');
    if (parts.length !== 3)
      throw new ConfigError('AUTH_TOKENS', `entry ${i + 1}: expected name:token:scope`);
    const [name, token, scopeSpec] = parts as [string, string, string];
    if (!name) throw new ConfigError('AUTH_TOKENS', `entry ${i + 1}: name must be set`);
    // Never echo the token itself: config errors end up in logs.
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new ConfigError(
        'AUTH_TOKENS',
        `entry ${i + 1} ("${name}"): the token must be at least ${MIN_TOKEN_LENGTH} characters (openssl rand -base64 24)`,
      );
    }
    const scopes = scopeSpec.split('+').map((s) => {
      if (s !== 'read' && s !== 'write') {
        throw new ConfigError(
          'AUTH_TOKENS',
          `entry ${i + 1}: scope must be read or write, got "${s}"`,
        );
      }
      return s as Scope;
    });
    return { name, token, scopes };
  });
  // A repeated token would authenticate as whichever entry matched last, and a repeated name
  // makes the logs ambiguous about who called: both are operator mistakes, refused at start.
  const seenNames = new Set<string>();
  const seenTokens = new Set<string>();
  tokens.forEach((t, i) => {
    if (seenNames.has(t.name))
      throw new ConfigError('AUTH_TOKENS', `entry ${i + 1}: name "${t.name}" is used twice`);
    if (seenTokens.has(t.token))
      throw new ConfigError('AUTH_TOKENS', `entry ${i + 1} ("${t.name}"): token is used twice`);
    seenNames.add(t.name);
    seenTokens.add(t.token);
  });
  return { mode: 'tokens', tokens };
}

const ANONYMOUS: Principal = { name: 'anonymous', scopes: new Set<Scope>(['read', 'write']) };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Checks a call's `authorization` value against the configured tokens. */
export interface Authenticator {
  /** Throws Unauthenticated / PermissionDenied; returns the caller. */
  authorize(authorization: string | undefined, required: Scope): Principal;
  readonly disabled: boolean;
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  if (config.mode === 'disabled') return { disabled: true, authorize: () => ANONYMOUS };
  // Compare fixed-length digests so neither length nor content leaks timing.
  const entries = config.tokens.map((t) => ({
    digest: digest(t.token),
    principal: {
      name: t.name,
      scopes: new Set<Scope>(t.scopes.includes('write') ? ['read', 'write'] : t.scopes),
    } satisfies Principal,
  }));
  return {
    disabled: false,
    authorize(authorization, required) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!match) {
        throw new ConnectError(
          'missing bearer token: send "authorization: Bearer <token>"',
          Code.Unauthenticated,
        );
      }
      const given = digest(match[1]!);
      let found: Principal | undefined;
      for (const entry of entries) {
        if (timingSafeEqual(entry.digest, given)) found = entry.principal;
      }
      if (!found) throw new ConnectError('unknown token', Code.Unauthenticated);
      if (!found.scopes.has(required)) {
        throw new ConnectError(
          `token "${found.name}" lacks the ${required} scope`,
          Code.PermissionDenied,
        );
      }
      return found;
    },
  };
}
