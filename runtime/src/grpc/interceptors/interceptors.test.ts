import { EventEmitter, getEventListeners } from 'node:events';
import { ScalerService, scaler } from '@autoserve/proto';
import { create, type DescMethod, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createHandlerContext } from '@connectrpc/connect';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../auth.js';
import { drained } from '../bridge.js';
import { kLogger, kPrincipal, kRequestId, type Scope } from '../context.js';
import { type CallRequest, chain, type Next } from '../interceptor.js';
import { authInterceptor } from './auth.js';
import { decodeInterceptor } from './decode.js';
import { errorMappingInterceptor } from './error-mapping.js';
import { loggingInterceptor } from './logging.js';
import { observeInterceptor } from './observe.js';
import { requestContextInterceptor } from './request-context.js';
import { sizeLimitInterceptor } from './size-limit.js';
import { validateStringsInterceptor } from './validate-strings.js';

const log = pino({ level: 'silent' });
const method = (name: string) => ScalerService.methods.find((m) => m.name === name)!;
const GET_APP = method('GetApp');

function call(m: DescMethod, input: unknown, headers: Record<string, string> = {}): CallRequest {
  return {
    service: ScalerService,
    method: m,
    input,
    send: async () => {},
    ctx: createHandlerContext({
      service: ScalerService,
      method: m,
      protocolName: 'grpc',
      requestMethod: 'POST',
      url: `/${ScalerService.typeName}/${m.name}`,
      requestHeader: new Headers(headers),
    }),
  };
}

/** The rest of the chain as a recorder: what reached it, answering `answer`. */
function sink(answer: unknown = 'ok') {
  const seen: CallRequest[] = [];
  const next: Next = async (req) => {
    seen.push(req);
    return answer;
  };
  return { seen, next };
}

async function codeOf(p: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof ConnectError ? err.code : Code.Unknown;
  }
}

const getAppBytes = (name: string) =>
  Buffer.from(toBinary(scaler.GetAppRequestSchema, create(scaler.GetAppRequestSchema, { name })));

describe('interceptors, one at a time', () => {
  it('chain runs the first interceptor outermost', async () => {
    const order: string[] = [];
    const tag =
      (t: string) =>
      (next: Next): Next =>
      async (req) => {
        order.push(t);
        return next(req);
      };
    await chain([tag('a'), tag('b')], async () => order.push('handler'))(call(GET_APP, null));
    expect(order).toEqual(['a', 'b', 'handler']);
  });

  it('request context: bounded caller id echoed, else generated; trace ids parsed', async () => {
    const { next } = sink();
    const req = call(GET_APP, null, {
      'x-request-id': 'abc',
      traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
    });
    await requestContextInterceptor(log)(next)(req);
    expect(req.ctx.values.get(kRequestId)).toBe('abc');
    expect(req.ctx.responseHeader.get('x-request-id')).toBe('abc');
    expect(req.ctx.values.get(kLogger)?.bindings()).toMatchObject({ trace_id: '1'.repeat(32) });
    const odd = call(GET_APP, null, { 'x-request-id': 'é'.repeat(3) });
    await requestContextInterceptor(log)(next)(odd);
    expect(odd.ctx.values.get(kRequestId)).toMatch(/^[\da-f-]{36}$/);
  });

  it('logging and metrics report the final code and a duration, and rethrow', async () => {
    const seen: [string, Code, number][] = [];
    const failing: Next = async () => {
      throw new ConnectError('nope', Code.NotFound);
    };
    const observed = observeInterceptor((m, c, ms) => seen.push([m, c, ms]));
    expect(await codeOf(observed(failing)(call(GET_APP, null)))).toBe(Code.NotFound);
    expect(await codeOf(observed(sink().next)(call(GET_APP, null)))).toBe('ok');
    expect(seen.map(([m, c]) => [m, c])).toEqual([
      ['GetApp', Code.NotFound],
      ['GetApp', 0],
    ]);
    const lines: string[] = [];
    const recording = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    expect(await codeOf(loggingInterceptor(recording)(failing)(call(GET_APP, null)))).toBe(
      Code.NotFound,
    );
    expect(JSON.parse(lines[0]!)).toMatchObject({ code: 'NotFound', msg: 'rpc' });
  });

  it('error mapping: ConnectErrors pass, anything else is Internal without its text', async () => {
    const map = errorMappingInterceptor(log);
    const throwing =
      (err: unknown): Next =>
      async () => {
        throw err;
      };
    const bug = map(throwing(new TypeError('secret detail')))(call(GET_APP, null));
    await expect(bug).rejects.toMatchObject({ code: Code.Internal, rawMessage: 'internal error' });
    const expected = map(throwing(new ConnectError('x: bad', Code.InvalidArgument)))(
      call(GET_APP, null),
    );
    await expect(expected).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: 'x: bad',
    });
  });

  it('auth checks the token and the scope before the rest of the chain runs', async () => {
    const auth = createAuthenticator({
      mode: 'tokens',
      tokens: [{ name: 'r', token: 'reader-token-0123', scopes: ['read'] }],
    });
    const scopeOf = (m: DescMethod): Scope => (m.name === 'RegisterApp' ? 'write' : 'read');
    const { seen, next } = sink();
    const guarded = authInterceptor(auth, scopeOf)(next);
    expect(await codeOf(guarded(call(GET_APP, Buffer.alloc(0))))).toBe(Code.Unauthenticated);
    const bearer = { authorization: 'Bearer reader-token-0123' };
    expect(await codeOf(guarded(call(method('RegisterApp'), null, bearer)))).toBe(
      Code.PermissionDenied,
    );
    expect(seen).toHaveLength(0);
    const ok = call(GET_APP, null, bearer);
    expect(await codeOf(guarded(ok))).toBe('ok');
    expect(ok.ctx.values.get(kPrincipal)?.name).toBe('r');
  });

  it('size limit refuses an oversized message before the rest sees it, per stream message', async () => {
    const { seen, next } = sink();
    const limited = sizeLimitInterceptor(() => 100)(next);
    expect(await codeOf(limited(call(GET_APP, Buffer.alloc(101))))).toBe(Code.ResourceExhausted);
    expect(seen).toHaveLength(0);
    expect(await codeOf(limited(call(GET_APP, Buffer.alloc(100))))).toBe('ok');
    // A stream is checked lazily, message by message, as the handler reads it.
    const stream = call(method('StreamMetrics'), toAsync([Buffer.alloc(10), Buffer.alloc(101)]));
    await limited(stream);
    const consumed: number[] = [];
    const reading = (async () => {
      for await (const m of seen.at(-1)!.input as AsyncIterable<Buffer>) consumed.push(m.length);
    })();
    expect(await codeOf(reading)).toBe(Code.ResourceExhausted);
    expect(consumed).toEqual([10]);
  });

  it('decode turns bytes into messages, garbage into InvalidArgument, and skips raw methods', async () => {
    const { seen, next } = sink();
    const decode = decodeInterceptor((m) => m.name === 'IngestMetrics')(next);
    await decode(call(GET_APP, getAppBytes('web')));
    expect((seen[0]!.input as scaler.GetAppRequest).name).toBe('web');
    // Field 1 (name) as a length-delimited string of invalid UTF-8.
    const invalidUtf8 = Buffer.from([0x0a, 0x02, 0xc3, 0x28]);
    expect(await codeOf(decode(call(GET_APP, invalidUtf8)))).toBe(Code.InvalidArgument);
    expect(await codeOf(decode(call(GET_APP, Buffer.from([0x0a, 0x7f]))))).toBe(
      Code.InvalidArgument,
    );
    const raw = Buffer.from([1, 2, 3]);
    await decode(call(method('IngestMetrics'), raw));
    expect(seen.at(-1)!.input).toBe(raw);
  });

  it('string validation refuses NUL anywhere in a decoded request, naming the field', async () => {
    const { seen, next } = sink();
    const validate = validateStringsInterceptor(() => false)(next);
    const bad = create(scaler.GetAppRequestSchema, { name: 'w\0' });
    await expect(validate(call(GET_APP, bad))).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: 'name: must not contain NUL (\\u0000)',
    });
    expect(seen).toHaveLength(0);
  });

  it('drained() removes its listeners whichever event comes first (no leak over 50 waits)', async () => {
    const stream = new EventEmitter();
    const ac = new AbortController();
    for (let i = 0; i < 50; i++) {
      const wait = drained(stream, ac.signal);
      stream.emit('drain');
      await wait;
    }
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(stream.listenerCount('drain') + stream.listenerCount('close')).toBe(0);
    const pending = drained(stream, ac.signal);
    ac.abort();
    await pending;
    expect(stream.listenerCount('drain')).toBe(0);
  });
});

async function* toAsync<T>(items: T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}
