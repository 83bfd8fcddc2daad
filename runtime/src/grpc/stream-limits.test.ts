import { ScalerService } from '@autoserve/proto';
import type { ServiceImpl } from '@connectrpc/connect';
import { Code, ConnectError, createContextValues, type HandlerContext } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { loadStreamConfig } from '../service/stream-config.js';
import { kPrincipal } from './context.js';
import { createStreamLimiter, limitServerStreams } from './stream-limits.js';

const NAMES = {
  what: 'streams',
  keyKind: 'principal',
  perKeySetting: 'PER',
  totalSetting: 'TOTAL',
};

function code(fn: () => unknown): { code: Code; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    const e = err as ConnectError;
    return { code: e.code, message: e.rawMessage };
  }
  return undefined;
}

function ctxFor(name: string): HandlerContext {
  return {
    values: createContextValues().set(kPrincipal, { name, scopes: new Set(['read' as const]) }),
  } as unknown as HandlerContext;
}

describe('stream limiter', () => {
  it('caps per key and in total, with messages naming the limit and the setting', () => {
    const limiter = createStreamLimiter({ perKey: 2, total: 3 }, NAMES);
    const a1 = limiter.acquire('a');
    limiter.acquire('a');
    expect(code(() => limiter.acquire('a'))).toEqual({
      code: Code.ResourceExhausted,
      message:
        'too many concurrent streams for principal "a": 2 open, limit 2 (PER); close one before opening another',
    });
    limiter.acquire('b');
    expect(code(() => limiter.acquire('c'))).toEqual({
      code: Code.ResourceExhausted,
      message: 'the server holds its limit of 3 concurrent streams (TOTAL); retry later',
    });
    a1.release();
    a1.release(); // idempotent: a second release frees nothing more
    expect(limiter.open()).toBe(2);
    expect(limiter.open('a')).toBe(1);
    limiter.acquire('c');
    expect(code(() => limiter.acquire('a'))?.code).toBe(Code.ResourceExhausted);
  });

  it('holds a slot for exactly the life of a wrapped stream, however it ends', async () => {
    const limiter = createStreamLimiter({ perKey: 1, total: 10 }, NAMES);
    let fail = false;
    const reg = limitServerStreams(
      {
        service: ScalerService,
        // A partial implementation is enough here: only the wrapping is under test.
        impl: {
          async *watchEvents() {
            yield {};
            if (fail) throw new ConnectError('boom', Code.Unavailable);
            yield {};
          },
          async getApp() {
            return {};
          },
        } as unknown as ServiceImpl<typeof ScalerService>,
      },
      limiter,
    );
    const impl = reg.impl as unknown as Record<
      string,
      (req: unknown, ctx: HandlerContext) => AsyncGenerator<unknown>
    >;
    // Early return (client cancel).
    const s1 = impl.watchEvents!({}, ctxFor('p'));
    await s1.next();
    expect(limiter.open('p')).toBe(1);
    const s2 = impl.watchEvents!({}, ctxFor('p'));
    await expect(s2.next()).rejects.toMatchObject({ code: Code.ResourceExhausted });
    await s1.return(undefined);
    expect(limiter.open('p')).toBe(0);
    // Completion.
    for await (const _ of impl.watchEvents!({}, ctxFor('p'))) {
      expect(limiter.open('p')).toBe(1);
    }
    expect(limiter.open('p')).toBe(0);
    // Error.
    fail = true;
    await expect(
      (async () => {
        for await (const _ of impl.watchEvents!({}, ctxFor('p'))) {
        }
      })(),
    ).rejects.toMatchObject({ code: Code.Unavailable });
    expect(limiter.open()).toBe(0);
    // Unary methods are untouched.
    expect(reg.impl.getApp).toBeTypeOf('function');
  });
});

describe('stream config', () => {
  it('reads defaults and durations, and refuses a per-principal cap above the total', () => {
    expect(loadStreamConfig({})).toMatchObject({ maxStreams: 2000, maxStreamsPerPrincipal: 500 });
    expect(
      loadStreamConfig({ GRPC_MAX_CONNECTION_AGE: '1s', GRPC_KEEPALIVE_TIME: '500ms' }),
    ).toMatchObject({ maxConnectionAgeMs: 1000, keepaliveTimeMs: 500 });
    expect(() =>
      loadStreamConfig({ GRPC_MAX_STREAMS: '10', GRPC_MAX_STREAMS_PER_PRINCIPAL: '11' }),
    ).toThrow(/GRPC_MAX_STREAMS_PER_PRINCIPAL/);
  });
});
