import { setMaxListeners } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { EventFilter, EventRow } from '../queries/events.js';
import { createGeneration } from './generation.js';
import { createEventTail, matchesFilter } from './tail.js';

/** An in-memory event log behind a fake pool that answers the tail's SQL. */
function fakeLog() {
  const rows: EventRow[] = [];
  const counts = { tailReads: 0, filteredReads: 0, heads: 0, inFlight: 0, maxInFlight: 0 };
  const faults = { tailReads: 0 };
  const rank = ['debug', 'info', 'warning', 'error', 'critical'];
  const query = async (sql: string, params: unknown[] = []) => {
    await Promise.resolve();
    if (/^(BEGIN|COMMIT|ROLLBACK)/.test(sql)) return { rows: [] };
    if (sql.includes('set_config')) return { rows: [{ settings: 1 }] };
    if (sql.includes('max(id)')) {
      counts.heads++;
      return { rows: [{ id: rows.length ? rows[rows.length - 1]!.id : '0' }] };
    }
    const [app, types, minRank, after, limit] = params as [
      string | null,
      string[],
      number | null,
      string,
      number,
    ];
    if (app === null && types.length === 0 && minRank === null) {
      counts.tailReads++;
      if (faults.tailReads > 0) {
        faults.tailReads--;
        throw new Error('connection lost');
      }
    } else {
      counts.filteredReads++;
      counts.maxInFlight = Math.max(counts.maxInFlight, ++counts.inFlight);
      await new Promise((r) => setTimeout(r, 2));
      counts.inFlight--;
    }
    return {
      rows: rows
        .filter(
          (r) =>
            BigInt(r.id) > BigInt(after) &&
            (app === null || r.app_name === app) &&
            (types.length === 0 || types.includes(r.event_type)) &&
            (minRank === null || rank.indexOf(r.severity) >= minRank),
        )
        .slice(0, limit),
    };
  };
  const client = { query, on() {}, off() {}, release() {} };
  const hub = createGeneration();
  return {
    rows,
    counts,
    faults,
    hub,
    pool: { connect: async () => client } as unknown as pg.Pool,
    append(app: string, type = 'health', severity = 'info') {
      rows.push({
        id: String(rows.length + 1),
        event_type: type,
        event_category: 'application',
        app_name: app,
        container_id: null,
        message: 'm',
        details: null,
        severity,
        timestamp: new Date(0),
        source: 'test',
        node_id: null,
      });
    },
    bump: hub.bump,
  };
}

const byApp = (appName: string): EventFilter => ({ appName, types: [], minSeverityRank: null });
const tick = () => new Promise((r) => setTimeout(r, 5));

/** Reads `count` ids from a watch, then stops it. */
async function take(stream: AsyncGenerator<EventRow>, count: number): Promise<number[]> {
  const ids: number[] = [];
  for await (const row of stream) {
    ids.push(Number(row.id));
    if (ids.length === count) break;
  }
  return ids;
}

describe('event tail', () => {
  it('feeds many live streams with one unfiltered read per wake-up', async () => {
    const log = fakeLog();
    const tail = createEventTail({ db: log.pool, hub: log.hub, batch: 100, queueMax: 100 });
    const abort = new AbortController();
    setMaxListeners(100, abort.signal);
    const streams = Array.from({ length: 50 }, (_, i) =>
      take(tail.watch(byApp(i % 2 ? 'a' : 'b'), undefined, abort.signal), 5),
    );
    await tick();
    const before = { ...log.counts };
    for (let i = 0; i < 5; i++) {
      log.append('a');
      log.append('b');
      log.bump();
      await tick();
    }
    const got = await Promise.all(streams);
    expect(got[1]).toEqual([1, 3, 5, 7, 9]);
    expect(got[0]).toEqual([2, 4, 6, 8, 10]);
    expect(log.counts.tailReads - before.tailReads).toBeLessThanOrEqual(6);
    expect(log.counts.filteredReads).toBe(0);
    abort.abort();
    tail.stop();
  });

  it('resumes from an old id with its own reads, then joins, with no gap or duplicate', async () => {
    const log = fakeLog();
    for (let i = 0; i < 25; i++) log.append(i % 5 === 0 ? 'other' : 'a');
    const tail = createEventTail({ db: log.pool, hub: log.hub, batch: 4, queueMax: 100 });
    const abort = new AbortController();
    const reading = take(tail.watch(byApp('a'), '3', abort.signal), 20);
    await tick();
    for (let i = 0; i < 6; i++) log.append('a');
    log.bump();
    const expected = log.rows
      .filter((r) => r.app_name === 'a' && Number(r.id) > 3)
      .map((r) => Number(r.id))
      .slice(0, 20);
    expect(await reading).toEqual(expected);
    expect(log.counts.filteredReads).toBeGreaterThan(0);
    tail.stop();
  });

  it('detaches a stream that stops reading, then lets it catch up without loss', async () => {
    const log = fakeLog();
    const tail = createEventTail({ db: log.pool, hub: log.hub, batch: 5, queueMax: 3 });
    const abort = new AbortController();
    const slow = tail.watch(byApp('a'), undefined, abort.signal);
    const first = slow.next();
    await tick();
    for (let i = 0; i < 20; i++) {
      log.append('a');
      log.bump();
      await tick();
    }
    expect(Number((await first).value!.id)).toBe(1);
    const rest = await take(slow, 19);
    expect(rest).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
    expect(log.counts.filteredReads).toBeGreaterThan(0);
    tail.stop();
  });
});

describe('event tail under stress', () => {
  it('queues a storm of resumed streams for one catch-up read at a time', async () => {
    const log = fakeLog();
    for (let i = 0; i < 30; i++) log.append('a');
    const tail = createEventTail({ db: log.pool, hub: log.hub, batch: 10, queueMax: 100 });
    const abort = new AbortController();
    setMaxListeners(100, abort.signal);
    const got = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        take(tail.watch(byApp('a'), String(i % 5), abort.signal), 25),
      ),
    );
    expect(got.every((ids, i) => ids[0] === (i % 5) + 1 && ids.length === 25)).toBe(true);
    expect(log.counts.maxInFlight).toBe(1);
    tail.stop();
  });

  it('rides out a failed shared read without ending the streams', async () => {
    const log = fakeLog();
    const tail = createEventTail({ db: log.pool, hub: log.hub, batch: 10, queueMax: 100 });
    const abort = new AbortController();
    const reading = take(tail.watch(byApp('a'), undefined, abort.signal), 2);
    await tick();
    log.faults.tailReads = 2;
    log.append('a');
    log.bump();
    await new Promise((r) => setTimeout(r, 900));
    log.append('a');
    log.bump();
    expect(await reading).toEqual([1, 2]);
    tail.stop();
  });
});

describe('matchesFilter', () => {
  const row = (severity: string, type = 'health', app: string | null = 'a') =>
    ({ id: '1', severity, event_type: type, app_name: app }) as EventRow;
  it('matches what the SQL filter of listEventsAfter matches', () => {
    const f = { appName: 'a', types: ['health'], minSeverityRank: 2 };
    expect(matchesFilter(f, row('warning'))).toBe(true);
    expect(matchesFilter(f, row('critical'))).toBe(true);
    expect(matchesFilter(f, row('info'))).toBe(false);
    expect(matchesFilter(f, row('bogus'))).toBe(false);
    expect(matchesFilter(f, row('error', 'config'))).toBe(false);
    expect(matchesFilter(f, row('error', 'health', null))).toBe(false);
    expect(matchesFilter({ appName: null, types: [], minSeverityRank: null }, row('bogus'))).toBe(
      true,
    );
    expect(matchesFilter({ appName: null, types: [], minSeverityRank: 0 }, row('debug'))).toBe(
      true,
    );
  });
});
