import http2 from 'node:http2';
import type { RunningService } from '@autoserve/runtime';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceTest } from '../../support/fixtures.js';
import { rawClients } from '../../support/raw-grpc.js';
import { eventually, startScaler } from '../../support/services.js';
import { appName, expectCode, type ScalerClient } from './client.js';

const db = inject('db');
const test = serviceTest({
  scalerEnv: {
    GRPC_MAX_STREAMS: '4',
    GRPC_MAX_STREAMS_PER_PRINCIPAL: '3',
    GRPC_MAX_HEALTH_WATCHES: '2',
  },
});

/** An open stream: `ready` settles with its first message or its error. */
interface Open {
  ready: Promise<void>;
  close(): void;
}

/** Opens a WatchEndpoints stream that stays open after its first message. */
function hold(c: ScalerClient, app: string): Open {
  const abort = new AbortController();
  let first: () => void = () => {};
  let failed: (e: unknown) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    first = resolve;
    failed = reject;
  });
  void (async () => {
    try {
      for await (const _ of c.watchEndpoints({ appName: app }, { signal: abort.signal })) first();
    } catch (err) {
      failed(err);
    }
  })();
  return { ready, close: () => abort.abort() };
}

describe('stream limits', () => {
  const app = appName('limits');
  test.beforeAll(async ({ writer }) => {
    await writer.registerApp({ name: app, spec: { image: 'x' } });
  });

  test('caps streams per principal and in total with ResourceExhausted, and frees a slot on cancel', async ({
    writer,
    reader,
  }) => {
    const held = [hold(writer, app), hold(writer, app), hold(writer, app)];
    await Promise.all(held.map((h) => h.ready));
    await expectCode(
      hold(writer, app).ready,
      Code.ResourceExhausted,
      /^too many concurrent streams for principal "writer": 3 open, limit 3 \(GRPC_MAX_STREAMS_PER_PRINCIPAL\)/,
    );
    // WatchEvents counts against the same caps.
    const events = new AbortController();
    const watching = (async () => {
      for await (const _ of reader.watchEvents({ appName: app }, { signal: events.signal })) {
      }
    })().catch((e: unknown) => e);
    await eventually(async () => {
      const h = hold(reader, app);
      const err = await h.ready.then(
        () => undefined,
        (e: unknown) => e,
      );
      h.close();
      return err instanceof ConnectError && /GRPC_MAX_STREAMS\)/.test(err.rawMessage);
    }, 3000);
    await expectCode(
      hold(reader, app).ready,
      Code.ResourceExhausted,
      'the server holds its limit of 4 concurrent streams (GRPC_MAX_STREAMS); retry later',
    );
    // Cancelling one stream frees its slot: the same principal opens again.
    held[0]!.close();
    await eventually(async () => {
      const h = hold(writer, app);
      const ok = await h.ready.then(
        () => true,
        () => false,
      );
      if (ok) held.push(h);
      return ok;
    }, 3000);
    events.abort();
    expect(await watching).toBeInstanceOf(ConnectError);
    for (const h of held) h.close();
  });

  test('does not leak slots of streams that fail', async ({ writer }) => {
    await eventually(async () => {
      const h = hold(writer, app);
      const ok = await h.ready.then(
        () => true,
        () => false,
      );
      h.close();
      return ok;
    }, 3000);
    // Ten failures (unknown app, bad argument) in a row: none keeps a slot.
    for (let i = 0; i < 10; i++) {
      await expectCode(hold(writer, `missing-${i}`).ready, Code.NotFound);
      await expectCode(
        (async () => {
          for await (const _ of writer.watchEvents({ afterEventId: -1n })) break;
        })(),
        Code.InvalidArgument,
      );
    }
    const three = [hold(writer, app), hold(writer, app), hold(writer, app)];
    await eventually(async () => {
      const results = await Promise.all(
        three.map((h) =>
          h.ready.then(
            () => true,
            () => false,
          ),
        ),
      );
      return results.every(Boolean);
    }, 3000);
    for (const h of three) h.close();
  });

  test('caps grpc.health.v1 Watch streams (no token there) and frees them on cancel', async ({
    scaler: svc,
  }) => {
    const raw = rawClients(`127.0.0.1:${svc.port}`);
    const firstStatus = (call: ReturnType<typeof raw.watch>) =>
      new Promise<string>((resolve, reject) => {
        call.once('data', (m: { status: string }) => resolve(m.status));
        call.once('error', reject);
      });
    const w1 = raw.watch();
    const w2 = raw.watch('autoserve.scaler.v1.ScalerService');
    expect(await firstStatus(w1)).toBe('SERVING');
    expect(await firstStatus(w2)).toBe('SERVING');
    const w3 = raw.watch();
    await expect(firstStatus(w3)).rejects.toMatchObject({
      code: Code.ResourceExhausted,
      details: expect.stringMatching(/GRPC_MAX_HEALTH_WATCHES/),
    });
    w1.on('error', () => {});
    w1.cancel();
    await eventually(async () => {
      const w = raw.watch();
      w.on('error', () => {});
      const ok = await firstStatus(w).then(
        () => true,
        () => false,
      );
      w.cancel();
      return ok;
    }, 3000);
    w2.on('error', () => {});
    w2.cancel();
    raw.close();
  });
});

describe('connection lifetime', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startScaler(db, {
      GRPC_KEEPALIVE_TIME: '300ms',
      GRPC_KEEPALIVE_TIMEOUT: '1s',
      GRPC_MAX_CONNECTION_AGE: '1s',
      GRPC_MAX_CONNECTION_AGE_GRACE: '500ms',
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('pings idle connections and sends GOAWAY, then closes, after the maximum age', async () => {
    const session = http2.connect(`http://127.0.0.1:${svc.port}`);
    session.on('error', () => {});
    const opened = Date.now();
    let pingAt: number | undefined;
    let goawayAt: number | undefined;
    let closedAt: number | undefined;
    session.on('ping', () => {
      pingAt ??= Date.now() - opened;
    });
    session.on('goaway', () => {
      goawayAt ??= Date.now() - opened;
    });
    session.on('close', () => {
      closedAt = Date.now() - opened;
    });
    await eventually(async () => closedAt !== undefined, 5000, 'the connection to close');
    expect(pingAt).toBeDefined();
    expect(pingAt!).toBeLessThan(1500);
    expect(goawayAt).toBeDefined();
    expect(goawayAt!).toBeGreaterThanOrEqual(700);
    expect(goawayAt!).toBeLessThan(2500);
    session.destroy();
  });
});
