import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ScalerService } from '@autoserve/proto';
import type { RunningService } from '@autoserve/runtime';
import { Code, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rawClients } from '../../support/raw-grpc.js';
import { startContext, startScaler, TOKENS } from '../../support/services.js';

const db = inject('db');
const run = promisify(execFile);
const empty = Buffer.alloc(0);
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('auth matrix, both services', () => {
  let scaler: RunningService;
  let context: RunningService;
  beforeAll(async () => {
    [scaler, context] = await Promise.all([startScaler(db), startContext(db)]);
  });
  afterAll(async () => {
    await Promise.all([scaler?.stop(), context?.stop()]);
  });

  const cases = [
    // [service, path, needs write]
    ['scaler', '/autoserve.scaler.v1.ScalerService/RegisterApp', true],
    ['scaler', '/autoserve.scaler.v1.ScalerService/IngestMetrics', true],
    ['scaler', '/autoserve.scaler.v1.ScalerService/RecordRemediationRequest', true],
    ['scaler', '/autoserve.scaler.v1.ScalerService/ListApps', false],
    ['scaler', '/autoserve.scaler.v1.ScalerService/ListEvents', false],
    ['context', '/autoserve.context.v1.ContextService/GetWorkflowSuccessRates', false],
    ['context', '/autoserve.context.v1.ContextService/SearchSimilarIncidents', false],
  ] as const;

  it.each(cases)(
    '%s %s: no/unknown token Unauthenticated, scope enforced, right scope passes',
    async (svc, path, write) => {
      const c = rawClients(`127.0.0.1:${(svc === 'scaler' ? scaler : context).port}`);
      try {
        expect((await c.rawUnary(path, empty)).code).toBe(Code.Unauthenticated);
        expect(
          (await c.rawUnary(path, empty, { authorization: 'Bearer unknown-token-123456' })).code,
        ).toBe(Code.Unauthenticated);
        expect((await c.rawUnary(path, empty, { authorization: 'Basic abc' })).code).toBe(
          Code.Unauthenticated,
        );
        const asReader = await c.rawUnary(path, empty, bearer(TOKENS.read));
        if (write) {
          expect(asReader.code).toBe(Code.PermissionDenied);
          expect(asReader.details).toMatch(/lacks the write scope/);
        } else {
          expect([Code.Unauthenticated, Code.PermissionDenied]).not.toContain(asReader.code);
        }
        // Write implies read; past auth, the empty request fails validation or succeeds.
        const asWriter = await c.rawUnary(path, empty, bearer(TOKENS.write));
        expect([Code.Unauthenticated, Code.PermissionDenied, Code.Unimplemented]).not.toContain(
          asWriter.code,
        );
      } finally {
        c.close();
      }
    },
  );

  it('leaves health and reflection open on both services', async () => {
    for (const svc of [scaler, context]) {
      const c = rawClients(`127.0.0.1:${svc.port}`);
      try {
        expect(await c.check('')).toBe('SERVING');
        expect(await c.listServices('v1')).toContain('grpc.health.v1.Health');
      } finally {
        c.close();
      }
    }
  });

  it('runs without tokens only when AUTH_DISABLED is explicit', async () => {
    const open = await startScaler(db, { AUTH_TOKENS: '', AUTH_DISABLED: 'true' });
    try {
      const c = rawClients(`127.0.0.1:${open.port}`);
      try {
        expect((await c.rawUnary('/autoserve.scaler.v1.ScalerService/ListApps', empty)).code).toBe(
          0,
        );
      } finally {
        c.close();
      }
    } finally {
      await open.stop();
    }
    await expect(startScaler(db, { AUTH_TOKENS: '' })).rejects.toThrow(/^AUTH_TOKENS: /);
  });
});

describe('TLS', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'autoserve-tls-'));
    const ossl = (...args: string[]) => run('openssl', args, { cwd: dir });
    const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await ossl(
      'req',
      '-x509',
      ...key,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=autoserve-test-ca',
    );
    writeFileSync(
      file('server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const who of ['server', 'client']) {
      await ossl(
        'req',
        ...key,
        '-keyout',
        `${who}.key`,
        '-out',
        `${who}.csr`,
        '-subj',
        `/CN=${who}`,
      );
      await ossl(
        'x509',
        '-req',
        '-in',
        `${who}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${who}.crt`,
        '-days',
        '1',
        '-extfile',
        `${who}.ext`,
      );
    }
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const client = (port: number, opts: { tls: boolean; clientCert?: boolean }) =>
    createClient(
      ScalerService,
      createGrpcTransport({
        baseUrl: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
        nodeOptions: opts.tls
          ? {
              ca: readFileSync(file('ca.crt')),
              ...(opts.clientCert
                ? { cert: readFileSync(file('client.crt')), key: readFileSync(file('client.key')) }
                : {}),
            }
          : {},
        interceptors: [
          (next) => async (req) => {
            req.header.set('authorization', `Bearer ${TOKENS.read}`);
            return next(req);
          },
        ],
      }),
    );

  it('serves over TLS with the server certificate; plaintext clients fail', async () => {
    const svc = await startScaler(db, {
      TLS_CERT_FILE: file('server.crt'),
      TLS_KEY_FILE: file('server.key'),
    });
    try {
      expect((await client(svc.port, { tls: true }).listApps({})).apps).toBeDefined();
      // The client's code for a failed handshake varies (Canceled / Unavailable); it must fail.
      await expect(
        client(svc.port, { tls: false }).listApps({}, { timeoutMs: 3000 }),
      ).rejects.toThrow();
    } finally {
      await svc.stop();
    }
  });

  it('verifies client certificates when TLS_CLIENT_CA_FILE is set', async () => {
    const svc = await startScaler(db, {
      TLS_CERT_FILE: file('server.crt'),
      TLS_KEY_FILE: file('server.key'),
      TLS_CLIENT_CA_FILE: file('ca.crt'),
    });
    try {
      expect(
        (await client(svc.port, { tls: true, clientCert: true }).listApps({})).apps,
      ).toBeDefined();
      await expect(
        client(svc.port, { tls: true }).listApps({}, { timeoutMs: 3000 }),
      ).rejects.toThrow(/certificate required/);
    } finally {
      await svc.stop();
    }
  });
});
