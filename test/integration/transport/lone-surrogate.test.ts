import { spawn } from 'node:child_process';
import { scaler } from '@autoserve/proto';
import { create, toBinary } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../../support/cluster.js';
import { rawClients } from '../../support/raw-grpc.js';
import { serviceEnv, TOKENS } from '../../support/services.js';

const db = inject('db');

/**
 * A status message that echoes request text cut in the middle of a
 * surrogate pair used to crash the Scaler: grpc-js writes grpc-message with
 * encodeURI, which throws on a lone surrogate, on an HTTP/2 event where
 * nothing catches it. A real process, so a crash is a crash.
 */
describe('a status message with a lone surrogate', () => {
  const child = spawn(process.execPath, [`${REPO}/scaler-service/dist/main.js`], {
    env: { ...process.env, ...serviceEnv(db), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exited: number | null | undefined;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.on('exit', (code) => {
    exited = code;
  });
  let c: ReturnType<typeof rawClients>;

  beforeAll(async () => {
    let port = 0;
    for (const until = Date.now() + 20_000; !port && Date.now() < until; ) {
      const line = out.split('\n').find((l) => l.includes('serving gRPC'));
      if (line) port = (JSON.parse(line) as { port: number }).port;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(port, out).toBeGreaterThan(0);
    c = rawClients(`127.0.0.1:${port}`);
  });
  afterAll(() => {
    c?.close();
    child.kill('SIGKILL');
  });

  it('is answered with a well-formed message, and the process keeps serving', async () => {
    // 62 ASCII characters then an emoji: a message that cuts the name at 63 UTF-16 units cuts
    // between the emoji's two surrogates (on a874300 that killed the process).
    const appName = `${'a'.repeat(62)}😀`;
    const body = Buffer.from(
      toBinary(
        scaler.IngestMetricsRequestSchema,
        create(scaler.IngestMetricsRequestSchema, {
          samples: [{ appName, metricType: 1, value: 1 }],
        }),
      ),
    );
    const auth = { authorization: `Bearer ${TOKENS.write}` };
    for (let i = 0; i < 3; i++) {
      const r = await c.rawUnary('/autoserve.scaler.v1.ScalerService/IngestMetrics', body, auth);
      // Either the name is refused by its length first (InvalidArgument, nothing echoed) or the
      // NotFound message echoes it cut and repaired; never a lone surrogate, never a crash.
      expect([3, 5]).toContain(r.code);
      expect(r.details.isWellFormed()).toBe(true);
      if (r.code === 5) expect(r.details).toContain(`app "${'a'.repeat(62)}\ufffd"`);
    }
    expect(await c.check('')).toBe('SERVING');
    expect(exited, out).toBeUndefined();
  });
});
