import { common } from '@autoserve/proto';
import { withTx } from '@autoserve/runtime';
import { Code } from '@connectrpc/connect';
import { describe, expect } from 'vitest';
import { insertEvent } from '../../../scaler-service/src/queries/events.js';
import { queryOnce } from '../../support/database.js';
import { serviceTest } from '../../support/fixtures.js';
import { appName, expectCode } from './client.js';

const test = serviceTest({
  scalerEnv: { SCALER_EVENTS_POLL_INTERVAL: '300ms' },
  scalerPoolMax: 12,
});
const { EventType, Severity } = common;

describe('Scaler events', () => {
  test('lists events newest first with filters and validated page tokens', async ({
    writer: c,
    scalerPool: pool,
  }) => {
    const name = appName('ev');
    await c.registerApp({ name, spec: { image: 'x' } });
    await c.setAppMode({ name, mode: 2 });
    await c.startApp({ name });
    await withTx(pool, {}, (tx) =>
      insertEvent(tx, {
        type: 'health',
        appName: name,
        message: 'probe failed',
        severity: 'error',
        source: 'health',
        details: { failures: 3 },
      }),
    );
    const all = await c.listEvents({ appName: name });
    expect(all.events.map((e) => e.type)).toEqual([
      EventType.HEALTH,
      EventType.LIFECYCLE,
      EventType.CONFIG,
      EventType.REGISTRATION,
    ]);
    expect(all.events[0]).toMatchObject({
      appName: name,
      severity: Severity.ERROR,
      source: 'health',
      details: { failures: 3 },
    });
    const ids = all.events.map((e) => e.id);
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
    expect(
      (await c.listEvents({ appName: name, minSeverity: Severity.WARNING })).events,
    ).toHaveLength(1);
    expect(
      (await c.listEvents({ appName: name, types: [EventType.CONFIG, EventType.REGISTRATION] }))
        .events,
    ).toHaveLength(2);
    const until = all.events[0]!.time!;
    expect(
      (await c.listEvents({ appName: name, since: { seconds: until.seconds + 60n } })).events,
    ).toHaveLength(0);
    const page1 = await c.listEvents({ appName: name, pageSize: 3 });
    const page2 = await c.listEvents({
      appName: name,
      pageSize: 3,
      pageToken: page1.nextPageToken,
    });
    expect([...page1.events, ...page2.events].map((e) => e.id)).toEqual(ids);
    expect(page2.nextPageToken).toBe('');
    await expectCode(
      c.listEvents({ appName: name, pageToken: page1.nextPageToken, minSeverity: Severity.ERROR }),
      Code.InvalidArgument,
      /^page_token:/,
    );
    await expectCode(
      c.listEvents({ types: [99 as common.EventType] }),
      Code.InvalidArgument,
      /^types\[0\]/,
    );
    await expectCode(
      c.listEvents({ minSeverity: 9 as common.Severity }),
      Code.InvalidArgument,
      /^min_severity/,
    );
    await expectCode(c.listEvents({ pageSize: 1001 }), Code.InvalidArgument, /^page_size/);
    await expectCode(
      c.listEvents({ since: { seconds: 100n }, until: { seconds: 50n } }),
      Code.InvalidArgument,
      /^until/,
    );
  });

  test('watches new events within 1 s, filtered, and survives a lost LISTEN connection', async ({
    writer: c,
    db,
  }) => {
    const name = appName('watch');
    await c.registerApp({ name, spec: { image: 'x' } });
    const abort = new AbortController();
    const got: { id: bigint; at: number; type: number }[] = [];
    const stream = c.watchEvents(
      { appName: name, types: [EventType.CONFIG] },
      { signal: abort.signal },
    );
    const reading = (async () => {
      try {
        for await (const r of stream)
          got.push({ id: r.event!.id, at: Date.now(), type: r.event!.type });
      } catch {
        // aborted
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await c.setAppMode({ name, mode: 2 });
    await c.startApp({ name }); // lifecycle: filtered out
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toHaveLength(1);
    expect(got[0]!.at - t0).toBeLessThan(1000);
    // Cut the LISTEN connection: the poll fallback still delivers, then LISTEN comes back.
    await queryOnce(
      db.ownerUrl,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'autoserve-events' AND datname = current_database()",
    );
    const t1 = Date.now();
    await c.setAppMode({ name, mode: 1 });
    const until = Date.now() + 3000;
    while (got.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(2);
    expect(got[1]!.at - t1).toBeLessThan(1500);
    abort.abort();
    await reading;
    await expectCode(
      (async () => {
        for await (const _ of c.watchEvents({ afterEventId: -1n })) break;
      })(),
      Code.InvalidArgument,
      /^after_event_id/,
    );
  });

  test('resumes after reconnects with no gap and no duplicate under concurrent writers', async ({
    writer: c,
    scalerPool: pool,
    db,
  }) => {
    const name = appName('resume');
    await c.registerApp({ name, spec: { image: 'x' } });
    const startId = (await c.listEvents({ pageSize: 1 })).events[0]!.id;
    // Writers: RPCs plus raw transactions that hold their event until a delayed commit,
    // the case where an id could otherwise become visible after a higher one.
    let stop = false;
    let written = 0;
    const writers = [
      ...Array.from({ length: 3 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          await c.setAppMode({ name, mode: (i + w) % 2 === 0 ? 2 : 1 });
          written++;
        }
      }),
      ...Array.from({ length: 3 }, async () => {
        while (!stop) {
          await withTx(pool, {}, async (tx) => {
            await insertEvent(tx, {
              type: 'warning',
              appName: name,
              message: 'slow writer',
              source: 'test',
            });
            await new Promise((r) => setTimeout(r, Math.random() * 15));
          });
          written++;
        }
      }),
    ];
    const delivered: bigint[] = [];
    let cursor = startId;
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      const abort = new AbortController();
      let n = 0;
      const want = 5 + Math.floor(Math.random() * 20);
      try {
        for await (const r of c.watchEvents(
          { appName: name, afterEventId: cursor },
          { signal: abort.signal },
        )) {
          delivered.push(r.event!.id);
          cursor = r.event!.id;
          if (++n >= want) break;
        }
      } catch {
        // reconnect
      }
    }
    stop = true;
    await Promise.all(writers);
    // Drain what was written after the last reconnect.
    const abort = new AbortController();
    const last = (await c.listEvents({ appName: name, pageSize: 1 })).events[0]!.id;
    if (cursor < last) {
      for await (const r of c.watchEvents(
        { appName: name, afterEventId: cursor },
        { signal: abort.signal },
      )) {
        delivered.push(r.event!.id);
        if (r.event!.id >= last) break;
      }
    }
    const expected = (
      await queryOnce<{ id: string }>(
        db.ownerUrl,
        'SELECT e.id::text AS id FROM events e WHERE e.app_name = $3 AND e.id > $1 AND e.id <= $2 ORDER BY e.id',
        [startId.toString(), last.toString(), name],
      )
    ).rows.map((r) => BigInt(r.id));
    expect(written).toBeGreaterThan(50);
    expect(delivered.length).toBe(expected.length);
    expect(delivered).toEqual(expected);
  });
});
