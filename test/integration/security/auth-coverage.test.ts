import { ContextService, ScalerService } from '@autoserve/proto';
import { METRICS_ROUTES, methodScopes, type RunningService } from '@autoserve/runtime';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rawClients } from '../../support/raw-grpc.js';
import { startContext, startScaler, TOKENS } from '../../support/services.js';

const db = inject('db');

// Issue 9: every RPC's scope comes from its contract (autoserve.common.v1.required_scope), so a
// new RPC cannot ship unclassified. This walks every service the servers register (as
// reflection lists them), every method of each, and every HTTP route of /metrics, with real
// calls: no token is Unauthenticated, a read token on a write method is PermissionDenied, a
// read token on a read method passes authorization (whatever the handler then says).

/** Services a server may register without a token, by design (orchestrators, buf curl). */
const OPEN = new Set([
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
]);

const identity = (b: Buffer) => b;

/** Calls a method with an empty request message; resolves the final status code. */
function callStatus(
  client: grpc.Client,
  method: DescMethod,
  token: string | undefined,
): Promise<grpc.status> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  const options = { deadline: Date.now() + 3000 };
  return new Promise((resolve) => {
    const done = (err: grpc.ServiceError | null) => resolve(err ? err.code : grpc.status.OK);
    const empty = Buffer.alloc(0);
    switch (method.methodKind) {
      case 'unary':
        client.makeUnaryRequest(path, identity, identity, empty, md, options, done);
        return;
      case 'client_streaming':
        client.makeClientStreamRequest(path, identity, identity, md, options, done).end();
        return;
      case 'server_streaming': {
        const call = client.makeServerStreamRequest(path, identity, identity, empty, md, options);
        call.on('data', () => call.cancel());
        call.on('error', () => {});
        call.on('status', (s: grpc.StatusObject) => resolve(s.code));
        return;
      }
      case 'bidi_streaming': {
        const call = client.makeBidiStreamRequest(path, identity, identity, md, options);
        call.on('data', () => call.cancel());
        call.on('error', () => {});
        call.on('status', (s: grpc.StatusObject) => resolve(s.code));
        call.end();
        return;
      }
    }
  });
}

describe.each([
  ['scaler', ScalerService, startScaler],
  ['context', ContextService, startContext],
] as const)('auth coverage: %s service', (_name, descriptor: DescService, start) => {
  let svc: RunningService;
  let client: grpc.Client;
  beforeAll(async () => {
    svc = await start(db);
    client = new grpc.Client(`127.0.0.1:${svc.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await svc?.stop();
  });

  it('registers only its contract service besides health and reflection', async () => {
    const raw = rawClients(`127.0.0.1:${svc.port}`);
    try {
      const listed = await raw.listServices('v1');
      expect(listed.filter((s) => !OPEN.has(s))).toEqual([descriptor.typeName]);
    } finally {
      raw.close();
    }
  });

  it('every method declares a scope in the contract', () => {
    const scopes = methodScopes(descriptor);
    expect(scopes.size).toBe(descriptor.methods.length);
    expect(descriptor.methods.length).toBeGreaterThan(0);
  });

  it('every method refuses a call without a token (Unauthenticated)', async () => {
    const codes = await Promise.all(
      descriptor.methods.map((m) => callStatus(client, m, undefined)),
    );
    const wrong = descriptor.methods.filter((_, i) => codes[i] !== grpc.status.UNAUTHENTICATED);
    expect(wrong.map((m) => m.name)).toEqual([]);
  });

  it('write methods refuse a read token (PermissionDenied); read methods accept it', async () => {
    const scopes = methodScopes(descriptor);
    const codes = await Promise.all(
      descriptor.methods.map((m) => callStatus(client, m, TOKENS.read)),
    );
    const result = Object.fromEntries(
      descriptor.methods.map((m, i) => [
        m.name,
        codes[i] === grpc.status.PERMISSION_DENIED
          ? 'denied'
          : codes[i] === grpc.status.UNAUTHENTICATED
            ? 'unauthenticated'
            : 'passed',
      ]),
    );
    const expected = Object.fromEntries(
      descriptor.methods.map((m) => [m.name, scopes.get(m.name) === 'write' ? 'denied' : 'passed']),
    );
    expect(result).toEqual(expected);
    // The Scaler has both kinds; the Context service is read-only by contract.
    if (descriptor === ScalerService) {
      expect(Object.values(expected)).toContain('denied');
      for (const name of ['RegisterApp', 'IngestMetrics', 'StoreIncidentEmbedding']) {
        expect(expected[name]).toBe('denied');
      }
    } else {
      expect(Object.values(expected).every((v) => v === 'passed')).toBe(true);
    }
  });

  it('every /metrics route answers without a token, on loopback only', async () => {
    for (const route of METRICS_ROUTES) {
      expect(route.auth).toBe('none');
      const res = await fetch(`http://127.0.0.1:${svc.metricsPort}${route.path}`, {
        method: route.method,
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const other = await fetch(`http://127.0.0.1:${svc.metricsPort}/debug`);
    expect(other.status).toBe(404);
    await other.arrayBuffer();
  });
});
