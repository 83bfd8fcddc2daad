import type { RunningService } from '@autoserve/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startScaler } from '../../support/services.js';

const db = inject('db');

// Issue 9, item 10: /metrics needs no token, so it must not follow GRPC_HOST=0.0.0.0 onto
// every interface. A socket bound to 127.0.0.1 refuses connections to 127.0.0.2 (another
// loopback address), while one bound to 0.0.0.0 accepts them: that tells the two apart
// without needing a second network interface.
describe('/metrics binding', () => {
  let scaler: RunningService;
  beforeAll(async () => {
    scaler = await startScaler(db, { GRPC_HOST: '0.0.0.0' });
  });
  afterAll(() => scaler?.stop());

  it('binds loopback by default even when gRPC listens on all interfaces', async () => {
    const ok = await fetch(`http://127.0.0.1:${scaler.metricsPort}/metrics`);
    expect(ok.status).toBe(200);
    await expect(fetch(`http://127.0.0.2:${scaler.metricsPort}/metrics`)).rejects.toThrow();
    // gRPC itself did follow GRPC_HOST.
    const grpc = await fetch(`http://127.0.0.2:${scaler.port}/`).then(
      () => 'answered',
      (err: Error) => String((err.cause as { code?: string } | undefined)?.code ?? err.message),
    );
    expect(grpc).not.toBe('ECONNREFUSED');
  });
});
