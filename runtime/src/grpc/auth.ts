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
    if (!name || token.length < 8) {
      throw new ConfigError(
        'AUTH_TOKENS',
        `entry ${i + 1}: name must be set and the token at least 8 characters`,
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
