import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/env.js';
import { createAuthenticator, loadAuthConfig } from './auth.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof ConnectError ? err.code : 'other';
  }
};

const T1 = 'token-one-0123456789abcdef';
const T2 = 'token-two-0123456789abcdef';

describe('auth config', () => {
  it('parses name:token:scope entries', () => {
    expect(loadAuthConfig({ AUTH_TOKENS: `ci:${T1}:write, dash:${T2}:read` })).toEqual({
      mode: 'tokens',
      tokens: [
        { name: 'ci', token: T1, scopes: ['write'] },
        { name: 'dash', token: T2, scopes: ['read'] },
      ],
    });
  });

  it('requires tokens or an explicit dev mode', () => {
    expect(() => loadAuthConfig({})).toThrow(/^AUTH_TOKENS: /);
    expect(() => loadAuthConfig({ AUTH_TOKENS: 'x:short:read' })).toThrow(ConfigError);
    expect(() => loadAuthConfig({ AUTH_TOKENS: `x:${T1}:admin` })).toThrow(/scope/);
    expect(() => loadAuthConfig({ AUTH_TOKENS: `x:${T1}:read`, AUTH_DISABLED: 'true' })).toThrow(
      /^AUTH_DISABLED/,
    );
    expect(loadAuthConfig({ AUTH_DISABLED: 'true' })).toEqual({ mode: 'disabled' });
  });

  it('needs tokens of at least 24 characters, and never echoes them', () => {
    const short = 'a'.repeat(23);
    expect(() => loadAuthConfig({ AUTH_TOKENS: `x:${short}:read` })).toThrow(/at least 24/);
    expect(() => loadAuthConfig({ AUTH_TOKENS: `x:${short}:read` })).not.toThrow(short);
    expect(loadAuthConfig({ AUTH_TOKENS: `x:${'a'.repeat(24)}:read` }).mode).toBe('tokens');
  });

  it('refuses a token or a name given twice', () => {
    expect(() => loadAuthConfig({ AUTH_TOKENS: `a:${T1}:read,b:${T1}:write` })).toThrow(
      /^AUTH_TOKENS: entry 2 \("b"\): token is used twice/,
    );
    expect(() => loadAuthConfig({ AUTH_TOKENS: `a:${T1}:read,a:${T2}:write` })).toThrow(
      /^AUTH_TOKENS: entry 2: name "a" is used twice/,
    );
  });
});

const R = 'reader-0123456789abcdefghij';
const W = 'writer-0123456789abcdefghij';

describe('authenticator', () => {
  const auth = createAuthenticator(loadAuthConfig({ AUTH_TOKENS: `r:${R}:read,w:${W}:write` }));

  it('rejects missing and unknown tokens with Unauthenticated', () => {
    expect(codeOf(() => auth.authorize(undefined, 'read'))).toBe(Code.Unauthenticated);
    expect(codeOf(() => auth.authorize('Basic abc', 'read'))).toBe(Code.Unauthenticated);
    expect(codeOf(() => auth.authorize('Bearer nope-nope-nope', 'read'))).toBe(
      Code.Unauthenticated,
    );
    expect(codeOf(() => auth.authorize(`Bearer ${R.slice(0, -1)}`, 'read'))).toBe(
      Code.Unauthenticated,
    );
  });

  it('needs the write scope for writes; write implies read', () => {
    expect(auth.authorize(`Bearer ${R}`, 'read').name).toBe('r');
    expect(codeOf(() => auth.authorize(`Bearer ${R}`, 'write'))).toBe(Code.PermissionDenied);
    expect(auth.authorize(`Bearer ${W}`, 'write').name).toBe('w');
    expect(auth.authorize(`bearer ${W}`, 'read').name).toBe('w');
  });

  it('lets everyone through in the explicit dev mode', () => {
    const open = createAuthenticator({ mode: 'disabled' });
    expect(open.disabled).toBe(true);
    expect(open.authorize(undefined, 'write').scopes.has('write')).toBe(true);
  });
});
