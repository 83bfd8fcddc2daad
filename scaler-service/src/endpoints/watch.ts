import { notFound, withTx } from '@autoserve/runtime';
import type pg from 'pg';
import { nextNotify, withRetries } from '../events/signal.js';
import { type EndpointRow, listEndpointsOfApps } from '../queries/endpoints.js';

/** Wakes a watcher when events (which every endpoint change writes) may have committed. */
export interface Wakeup {
  generation(): number;
  wait(seen: number, signal: AbortSignal): Promise<void>;
}

/** Same endpoints in the same order (ids, addresses). */
export function sameEndpoints(a: readonly EndpointRow[], b: readonly EndpointRow[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.id === b[i]!.id && x.port === b[i]!.port && x.ip === b[i]!.ip)
  );
}

/** An app's endpoint set; `revision` increases with each change the feed sees. */
export interface EndpointSet {
  endpoints: EndpointRow[];
  revision: number;
  at: Date;
}

/**
 * One reader for every WatchEndpoints stream: each read fetches the sets of
 * all watched apps in one query, so the query rate depends neither on the
 * number of watchers nor on the number of apps watched.
 */
export interface EndpointFeed {
  /**
   * The app's set, first as it is, then each time it changes. A slow reader
   * skips intermediate sets (only the latest matters). NotFound when the app
   * does not exist at the first read.
   */
  watch(appName: string, signal: AbortSignal): AsyncGenerator<EndpointSet>;
  stop(): void;
}

interface Watcher {
  latest?: EndpointSet;
  error?: unknown;
  notify?: () => void;
}

interface WatchedApp {
  watchers: Set<Watcher>;
  current?: EndpointSet;
}

const QUERY_TIMEOUT = { timeoutMs: () => 10_000 };

/**
 * Every change of a set is written together with an event, so the event
 * hub's wake-up drives the reads; `recheckMs` re-reads anyway (anything else).
 */
export function createEndpointFeed(opts: {
  db: pg.Pool;
  wakeup: Wakeup;
  recheckMs?: number;
}): EndpointFeed {
  const apps = new Map<string, WatchedApp>();
  let running = false;
  let stopped = false;
  // Set when an app joined after the current read took its list of names.
  let joined = false;
  let kick: (() => void) | undefined;

  const tell = (w: Watcher) => w.notify?.();

  const readOnce = async () => {
    const names = [...apps.keys()];
    joined = false;
    let sets: Map<string, EndpointRow[]>;
    try {
      sets = await withRetries(() =>
        withTx(opts.db, { deadline: QUERY_TIMEOUT, readOnly: true }, (tx) =>
          listEndpointsOfApps(tx, names),
        ),
      );
    } catch (err) {
      // Retried already: the streams end with the error, as a per-stream read did; clients reconnect.
      for (const name of names) fail(name, err);
      return;
    }
    const at = new Date();
    for (const name of names) {
      const app = apps.get(name);
      if (!app) continue;
      const endpoints = sets.get(name);
      if (!endpoints && !app.current) {
        fail(name, notFound(`app "${name}"`));
        continue;
      }
      // An app deleted while watched reads as an empty set, as before.
      const now = endpoints ?? [];
      if (app.current && sameEndpoints(app.current.endpoints, now)) continue;
      app.current = { endpoints: now, revision: (app.current?.revision ?? 0) + 1, at };
      for (const w of app.watchers) {
        w.latest = app.current;
        tell(w);
      }
    }
  };

  const fail = (name: string, err: unknown) => {
    const app = apps.get(name);
    if (!app) return;
    apps.delete(name);
    for (const w of app.watchers) {
      w.error = err;
      tell(w);
    }
  };

  const loop = async () => {
    running = true;
    try {
      while (apps.size > 0 && !stopped) {
        const seen = opts.wakeup.generation();
        await readOnce();
        if (joined || apps.size === 0) continue;
        const wake = new AbortController();
        kick = () => wake.abort();
        const timer = setTimeout(() => wake.abort(), opts.recheckMs ?? 2000);
        try {
          await opts.wakeup.wait(seen, wake.signal);
        } finally {
          clearTimeout(timer);
          kick = undefined;
        }
      }
    } finally {
      running = false;
    }
  };

  return {
    async *watch(appName, signal) {
      const w: Watcher = {};
      let app = apps.get(appName);
      if (!app) {
        app = { watchers: new Set() };
        apps.set(appName, app);
      }
      const mine = app;
      mine.watchers.add(w);
      if (mine.current) w.latest = mine.current;
      else {
        joined = true;
        if (running) kick?.();
        else void loop();
      }
      try {
        let sent: EndpointSet | undefined;
        while (!signal.aborted) {
          if (w.error) throw w.error;
          if (w.latest && w.latest !== sent) {
            sent = w.latest;
            yield sent;
            continue;
          }
          await nextNotify(w, signal);
        }
      } finally {
        mine.watchers.delete(w);
        if (mine.watchers.size === 0 && apps.get(appName) === mine) apps.delete(appName);
        // Let an idle loop end now rather than at its next wake-up.
        if (apps.size === 0) kick?.();
      }
    },
    stop() {
      stopped = true;
      kick?.();
    },
  };
}
