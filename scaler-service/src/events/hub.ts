import pg from 'pg';
import type { Logger } from 'pino';
import { createGeneration } from './generation.js';

/**
 * Wakes WatchEvents streams when events may have committed: on each NOTIFY
 * 'autoserve_events' (sent by the events trigger at commit) received on one
 * dedicated connection, and, as a fallback for lost notifications (a dropped
 * LISTEN connection), when a cheap poll of max(id) sees it change. Streams
 * read the rows themselves, so the hub only carries a generation counter and
 * nothing is buffered per subscriber.
 */
export interface EventHub {
  /** Changes whenever new events may be visible. */
  generation(): number;
  /** Resolves once the generation differs from `seen`, or when `signal` aborts. */
  wait(seen: number, signal: AbortSignal): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface EventHubOptions {
  /** Primary URL (the scaler role); a dedicated connection LISTENs on it. */
  url: string;
  /** Fallback poll interval. */
  pollMs: number;
  log: Logger;
  /** Runs the poll query (the watchers' pool). */
  query: (sql: string) => Promise<{ rows: { id: string }[] }>;
}

export function createEventHub(options: EventHubOptions): EventHub {
  const gen = createGeneration();
  const bump = gen.bump;
  let client: pg.Client | undefined;
  let stopped = false;
  let lastMax = '';
  let reconnectTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  // One warning per outage; the retries every second are debug noise.
  let failures = 0;

  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client({
      connectionString: options.url,
      application_name: 'autoserve-events',
    });
    c.on('notification', bump);
    const lost = (err?: unknown) => {
      if (client !== c) return;
      client = undefined;
      c.removeAllListeners('notification');
      c.end().catch(() => {});
      if (!stopped) {
        failures++;
        options.log.warn({ err }, 'event LISTEN connection lost; polling until it is back');
        reconnectTimer = setTimeout(() => void connect(), 1000);
        reconnectTimer.unref();
      }
    };
    c.on('error', lost);
    c.on('end', () => lost());
    try {
      await c.connect();
      await c.query('LISTEN autoserve_events');
      if (stopped) {
        await c.end();
        return;
      }
      client = c;
      if (failures > 0) options.log.info('event LISTEN connection back');
      failures = 0;
      // Anything committed while we were not listening is found by a re-read.
      bump();
    } catch (err) {
      c.end().catch(() => {});
      if (!stopped) {
        if (failures++ === 0) options.log.warn({ err }, 'event LISTEN connection failed; retrying');
        else options.log.debug({ err }, 'event LISTEN connection failed; retrying');
        reconnectTimer = setTimeout(() => void connect(), 1000);
        reconnectTimer.unref();
      }
    }
  };

  const poll = async () => {
    try {
      const res = await options.query('SELECT coalesce(max(id), 0)::text AS id FROM events');
      const max = res.rows[0]?.id ?? '0';
      if (max !== lastMax) {
        lastMax = max;
        bump();
      }
    } catch {
      // The database is away; streams see the error on their own reads.
    }
  };

  return {
    generation: gen.generation,
    wait: gen.wait,
    async start() {
      await connect();
      pollTimer = setInterval(() => void poll(), options.pollMs);
      pollTimer.unref();
    },
    async stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      clearInterval(pollTimer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
      bump();
    },
  };
}
