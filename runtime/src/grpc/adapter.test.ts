import { getEventListeners } from 'node:events';
import { ScalerService, scaler } from '@autoserve/proto';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdapterDeps, adaptService, type ServiceRegistration } from './adapter.js';
import { createAuthenticator } from './auth.js';

const TOKEN = 'writer-token-0123456789';
const EVENTS = 400;
const path = (m: string) => `/${ScalerService.typeName}/${m}`;

describe('grpc-js adapter (in-process server)', () => {
  const server = new grpc.Server();
  const shutdown = new AbortController();
  let client: grpc.Client;
  const pastAuth: string[] = [];
  /** Abort listeners left on a Watch call's signal after its waits for drain. */
  const leftOver: number[] = [];
  const impl = {
    async *watchEvents(_req: unknown, ctx: HandlerContext) {
      const before = getEventListeners(ctx.signal, 'abort').length;
      // Big enough messages that grpc-js's writable fills and the adapter waits for drain.
      for (let i = 0; i < EVENTS; i++)
        yield { event: { id: BigInt(i + 1), message: 'x'.repeat(32 * 1024) } };
      leftOver.push(getEventListeners(ctx.signal, 'abort').length - before);
    },
    async getApp() {
      return {};
    },
    // Fails after its first response, so the status goes out as trailers (the
    // wantTrailers path, where a throwing encodeURI used to escape uncaught).
    async *watchEndpoints() {
      yield {};
      throw new ConnectError(`app "${'a'.repeat(62)}\ud83d" not found`, Code.NotFound);
    },
    async registerApp() {
      return {};
    },
  };
  const reg = {
    service: ScalerService,
    impl: impl as never,
  } satisfies ServiceRegistration;
  const deps: AdapterDeps = {
    log: pino({ level: 'silent' }),
    auth: createAuthenticator({
      mode: 'tokens',
      tokens: [{ name: 'w', token: TOKEN, scopes: ['write'] }],
    }),
    shutdownSignal: shutdown.signal,
    // Counts the calls that get past auth (everything after it may decode).
    interceptors: [
      (next) => async (req) => {
        pastAuth.push(req.method.name);
        return next(req);
      },
    ],
  };
  const { definition, handlers } = adaptService(reg, deps);

  beforeAll(async () => {
    server.addService(definition, handlers);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  afterAll(() => {
    client?.close();
    server.forceShutdown();
  });

  const md = () => {
    const m = new grpc.Metadata();
    m.set('authorization', `Bearer ${TOKEN}`);
    return m;
  };

  it('leaves no abort listener behind per wait for drain on a long stream', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const body = Buffer.from(
      toBinary(scaler.WatchEventsRequestSchema, create(scaler.WatchEventsRequestSchema)),
    );
    const call = client.makeServerStreamRequest(
      path('WatchEvents'),
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md(),
    );
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      call.on('data', () => {
        received++;
        // Read slowly now and then, so the server's writes back up.
        if (received % 25 === 0) {
          call.pause();
          setTimeout(() => call.resume(), 5);
        }
      });
      call.on('error', reject);
      call.on('end', resolve);
    });
    process.off('warning', onWarning);
    expect(received).toBe(EVENTS);
    expect(leftOver).toEqual([0]);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('hands grpc-js raw bytes: nothing is decoded before the chain authenticates', () => {
    const bytes = Buffer.from(
      toBinary(
        scaler.RegisterAppRequestSchema,
        create(scaler.RegisterAppRequestSchema, { name: 'x' }),
      ),
    );
    const deserialize = (definition.RegisterApp as grpc.MethodDefinition<unknown, unknown>)
      .requestDeserialize;
    expect(deserialize(bytes)).toBe(bytes);
  });

  it('an unauthenticated 4 MiB RegisterApp is refused from its metadata, never decoded', async () => {
    // ~300k env entries: what cost ~600 ms of event loop per call when decoded before auth.
    const env: Record<string, string> = {};
    for (let i = 0; i < 300_000; i++) env[`K${i}`] = 'v';
    const big = Buffer.from(
      toBinary(
        scaler.RegisterAppRequestSchema,
        create(scaler.RegisterAppRequestSchema, { name: 'big', spec: { image: 'x', env } }),
      ),
    );
    expect(big.length).toBeGreaterThan(3 * 1024 * 1024);
    const unary = (metadata: grpc.Metadata) =>
      new Promise<number>((resolve) =>
        client.makeUnaryRequest(
          path('RegisterApp'),
          (b: Buffer) => b,
          (b: Buffer) => b,
          big,
          metadata,
          (err) => resolve(err ? err.code : 0),
        ),
      );
    pastAuth.length = 0;
    expect(await unary(new grpc.Metadata())).toBe(grpc.status.UNAUTHENTICATED);
    expect(pastAuth).toEqual([]);
    // With a token it gets past auth, and the method's size limit refuses it undecoded.
    expect(await unary(md())).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(pastAuth).toEqual(['RegisterApp']);
    // Building and sending 4 MiB takes the client a few seconds on a loaded 2-core machine.
  }, 30_000);

  it('a stream that fails after answering sends a well-formed status (lone surrogate replaced)', async () => {
    const body = Buffer.from(
      toBinary(scaler.WatchEndpointsRequestSchema, create(scaler.WatchEndpointsRequestSchema)),
    );
    const call = client.makeServerStreamRequest(
      path('WatchEndpoints'),
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md(),
    );
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      call.on('data', () => {});
      call.on('error', () => {});
      call.on('status', resolve);
    });
    expect(status.code).toBe(grpc.status.NOT_FOUND);
    expect(status.details).toBe(`app "${'a'.repeat(62)}\ufffd" not found`);
  });
});
