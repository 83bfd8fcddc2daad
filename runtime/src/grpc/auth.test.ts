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

describe('auth config', () => {
  it('parses name:token:scope entries', () => {
    expect(loadAuthConfig({ AUTH_TOKENS: 'ci:abcdefgh1:write, dash:abcdefgh2:read' })).toEqual({
      mode: 'tokens',
      tokens: [
        { name: 'ci', token: 'abcdefgh1', scopes: ['write'] },
        { name: 'dash', token: 'abcdefgh2', scopes: ['read'] },
      ],
    });
  });

  it('requires tokens or an explicit dev mode', () => {
    expect(() => loadAuthConfig({})).toThrow(/^AUTH_TOKENS: /);
    expect(() => loadAuthConfig({ AUTH_TOKENS: 'x:short:read' })).toThrow(ConfigError);
    expect(() => loadAuthConfig({ AUTH_TOKENS: 'x:abcdefghij:admin' })).toThrow(/scope/);
    expect(() =>
      loadAuthConfig({ AUTH_TOKENS: 'x:abcdefghij:read', AUTH_DISABLED: 'true' }),
    ).toThrow(/^AUTH_DISABLED/);
    expect(loadAuthConfig({ AUTH_DISABLED: 'true' })).toEqual({ mode: 'disabled' });
  });
});

describe('authenticator', () => {
  const auth = createAuthenticator(
    loadAuthConfig({ AUTH_TOKENS: 'r:reader-123:read,w:writer-123:write' }),
  );

  it('rejects missing and unknown tokens with Unauthenticated', () => {
    expect(codeOf(() => auth.authorize(undefined, 'read'))).toBe(Code.Unauthenticated);
    expect(codeOf(() => auth.authorize('Basic abc', 'read'))).toBe(Code.Unauthenticated);
    expect(codeOf(() => auth.authorize('Bearer nope-nope-nope', 'read'))).toBe(
      Code.Unauthenticated,
    );
    expect(codeOf(() => auth.authorize('Bearer reader-12', 'read'))).toBe(Code.Unauthenticated);
  });

  it('needs the write scope for writes; write implies read', () => {
    expect(auth.authorize('Bearer reader-123', 'read').name).toBe('r');
    expect(codeOf(() => auth.authorize('Bearer reader-123', 'write'))).toBe(Code.PermissionDenied);
    expect(auth.authorize('Bearer writer-123', 'write').name).toBe('w');
    expect(auth.authorize('bearer writer-123', 'read').name).toBe('w');
  });

  it('lets everyone through in the explicit dev mode', () => {
    const open = createAuthenticator({ mode: 'disabled' });
    expect(open.disabled).toBe(true);
    expect(open.authorize(undefined, 'write').scopes.has('write')).toBe(true);
  });
});
