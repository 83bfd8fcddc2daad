import { context, scaler } from '@autoserve/proto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { checkStrings, stringProblem } from './string-check.js';

function rejection(fn: () => void): { code: Code; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    return { code: err.code, message: err.rawMessage };
  }
}

describe('checkStrings', () => {
  const register = (
    spec: MessageInitShape<typeof scaler.AppSpecSchema>,
    extra: MessageInitShape<typeof scaler.RegisterAppRequestSchema> = {},
  ) =>
    create(scaler.RegisterAppRequestSchema, {
      name: 'web',
      spec: { image: 'busybox', ...(spec as object) },
      ...(extra as object),
    });

  it('accepts messages whose strings are clean, including non-ASCII text', () => {
    const msg = register({ env: { GREETING: 'grüße 😀' }, command: ['httpd', '-f'] });
    expect(rejection(() => checkStrings(scaler.RegisterAppRequestSchema, msg))).toBeUndefined();
  });

  it.each([
    ['top-level string', register({}, { name: 'we\0b' }), 'name'],
    ['nested string', register({ image: 'busy\0box' }), 'spec.image'],
    ['repeated string', register({ command: ['ok', 'b\0d'] }), 'spec.command[1]'],
    ['map value', register({ env: { A: 'x\0' } }), 'spec.env["A"]'],
    ['map key', register({ env: { 'A\0B': 'x' } }), 'spec.env["A\\u0000B"]'],
    [
      'map in a nested message',
      register(
        {},
        {
          healthCheck: create(scaler.HealthCheckSchema, { headers: { 'x-h': 'v\0' } }),
        },
      ),
      'health_check.headers["x-h"]',
    ],
  ])('refuses NUL in a %s, naming the field path', (_, msg, path) => {
    const r = rejection(() => checkStrings(scaler.RegisterAppRequestSchema, msg));
    expect(r?.code).toBe(Code.InvalidArgument);
    expect(r?.message).toBe(`${path}: must not contain NUL (\\u0000)`);
  });

  it('walks oneof members and nested filters (Context requests)', () => {
    const byText = create(context.SearchSimilarIncidentsRequestSchema, {
      query: { case: 'text', value: 'disk\0full' },
    });
    expect(
      rejection(() => checkStrings(context.SearchSimilarIncidentsRequestSchema, byText))?.message,
    ).toMatch(/^text: /);
    const filtered = create(context.SearchSimilarIncidentsRequestSchema, {
      query: { case: 'incidentId', value: 1n },
      filter: { namespace: 'prod\0' },
    });
    expect(
      rejection(() => checkStrings(context.SearchSimilarIncidentsRequestSchema, filtered))?.message,
    ).toMatch(/^filter\.namespace: /);
  });

  it('refuses lone surrogates (reachable when a message is built in-process)', () => {
    const msg = register({}, { name: 'web\ud800' });
    expect(rejection(() => checkStrings(scaler.RegisterAppRequestSchema, msg))?.message).toBe(
      'name: must be valid UTF-8 (lone surrogate)',
    );
  });

  it('stringProblem passes well-formed text', () => {
    expect(stringProblem('a😀b')).toBeUndefined();
  });
});
