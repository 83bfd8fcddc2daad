import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ContextService, ScalerService } from '@autoserve/proto';
import { createPool, mapDbError, withTx } from '@autoserve/runtime';
import { Code } from '@connectrpc/connect';
import { describe, expect, inject } from 'vitest';
import { REPO } from '../support/cluster.js';
import { serviceTest } from '../support/fixtures.js';
import { rawClients } from '../support/raw-grpc.js';
import { TOKENS } from '../support/services.js';

const db = inject('db');
const test = serviceTest();

describe('both services serve gRPC', () => {
  test('answer grpc.health.v1 SERVING for the server and each service', async ({
    scaler,
    context,
  }) => {
    for (const [svc, name] of [
      [scaler, ScalerService.typeName],
      [context, ContextService.typeName],
    ] as const) {
      const c = rawClients(`127.0.0.1:${svc.port}`);
      try {
        expect(await c.check('')).toBe('SERVING');
        expect(await c.check(name)).toBe('SERVING');
        await expect(c.check('no.such.Service')).rejects.toMatchObject({ code: Code.NotFound });
      } finally {
        c.close();
      }
    }
  });

  test('list the service, health and reflection through reflection v1 and v1alpha', async ({
    scaler,
    context,
  }) => {
    for (const [svc, name] of [
      [scaler, ScalerService.typeName],
      [context, ContextService.typeName],
    ] as const) {
      const c = rawClients(`127.0.0.1:${svc.port}`);
      try {
        for (const version of ['v1', 'v1alpha'] as const) {
          const services = await c.listServices(version);
          expect(services).toEqual(
            expect.arrayContaining([
              name,
              'grpc.health.v1.Health',
              'grpc.reflection.v1.ServerReflection',
              'grpc.reflection.v1alpha.ServerReflection',
            ]),
          );
        }
        // The descriptors resolve with their imports (timestamp, common types).
        expect(await c.fileContainingSymbol(name)).toBeGreaterThan(1);
      } finally {
        c.close();
      }
    }
  });

  test('resolve health through reflection for buf curl (a Go client with a strict descriptor resolver)', async ({
    scaler,
    context,
  }) => {
    const buf = `${REPO}/node_modules/.bin/buf`;
    const base = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge'];
    for (const svc of [scaler, context]) {
      const url = `http://127.0.0.1:${svc.port}`;
      const { stdout } = await promisify(execFile)(buf, [
        ...base,
        `${url}/grpc.health.v1.Health/Check`,
      ]);
      expect(JSON.parse(stdout)).toEqual({ status: 'SERVING' });
      const methods = await promisify(execFile)(buf, [...base, '--list-methods', url]);
      expect(methods.stdout).toContain('grpc.health.v1.Health/Watch');
    }
  });

  test('require a bearer token, the right scope, and leave health open', async ({ scaler }) => {
    const c = rawClients(`127.0.0.1:${scaler.port}`);
    try {
      const path = '/autoserve.scaler.v1.ScalerService/RegisterApp';
      const empty = Buffer.alloc(0);
      expect((await c.rawUnary(path, empty)).code).toBe(Code.Unauthenticated);
      expect(
        (await c.rawUnary(path, empty, { authorization: 'Bearer not-a-token-at-all' })).code,
      ).toBe(Code.Unauthenticated);
      const denied = await c.rawUnary(path, empty, { authorization: `Bearer ${TOKENS.read}` });
      expect(denied.code).toBe(Code.PermissionDenied);
      expect(denied.details).toMatch(/write scope/);
      expect(
        (await c.rawUnary(path, empty, { authorization: `Bearer ${TOKENS.write}` })).code,
      ).not.toBe(Code.PermissionDenied);
      expect(await c.check('')).toBe('SERVING');
    } finally {
      c.close();
    }
  });

  test('reject messages over 4 MiB with ResourceExhausted', async ({ scaler }) => {
    const c = rawClients(`127.0.0.1:${scaler.port}`);
    try {
      const big = Buffer.alloc(4 * 1024 * 1024 + 1024, 0);
      const res = await c.rawUnary('/autoserve.scaler.v1.ScalerService/IngestMetrics', big, {
        authorization: `Bearer ${TOKENS.write}`,
      });
      expect(res.code).toBe(Code.ResourceExhausted);
    } finally {
      c.close();
    }
  });

  test('answer InvalidArgument, not Internal, to bytes that do not decode (unary and streams)', async ({
    scaler,
    context,
  }) => {
    const auth = { authorization: `Bearer ${TOKENS.write}` };
    // A length past the end, and invalid UTF-8 in a string field.
    const bodies = [Buffer.from([0x0a, 0x05, 0x61]), Buffer.from([0x0a, 0x02, 0xc3, 0x28])];
    const c = rawClients(`127.0.0.1:${scaler.port}`);
    const k = rawClients(`127.0.0.1:${context.port}`);
    try {
      for (const body of bodies) {
        const got = [
          await c.rawUnary('/autoserve.scaler.v1.ScalerService/GetApp', body, auth),
          await c.rawUnary('/autoserve.scaler.v1.ScalerService/WatchEvents', body, auth),
          await k.rawUnary('/autoserve.context.v1.ContextService/ListAppEvents', body, auth),
        ];
        for (const r of got) {
          expect(r.code, r.details).toBe(Code.InvalidArgument);
          expect(r.details).toMatch(/^request is not a valid autoserve\./);
        }
      }
    } finally {
      c.close();
      k.close();
    }
  });
});

describe('deadline propagation', () => {
  test('bounds statements by the remaining deadline and maps the timeout to DeadlineExceeded', async () => {
    const pool = await createPool({ url: db.scalerUrl, max: 1, applicationName: 'deadline-test' });
    try {
      const started = Date.now();
      const err = await withTx(pool, { deadline: { timeoutMs: () => 200 } }, (c) =>
        c.query('SELECT pg_sleep(5)'),
      ).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(mapDbError(err)?.code).toBe(Code.DeadlineExceeded);
      // The pooled connection keeps its default afterwards (SET LOCAL).
      const r = await pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
      expect(r.rows[0]!.statement_timeout).toBe('0');
    } finally {
      await pool.end();
    }
  });
});
