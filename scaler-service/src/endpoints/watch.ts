import { withTx } from '@autoserve/runtime';
import type pg from 'pg';
import { type EndpointRow, listEndpoints } from '../control/db/endpoints.js';

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

const QUERY_TIMEOUT = { timeoutMs: () => 10_000 };

/**
 * The app's endpoint set (healthy, running, not draining), first as it is,
 * then each time it changes, with a revision that increases per change.
 * Every change of the set is written together with an event, so the event
 * hub's wake-up drives it; a periodic re-read covers anything else.
 */
export async function* watchEndpointSets(opts: {
  db: pg.Pool;
  wakeup: Wakeup;
  appName: string;
  signal: AbortSignal;
  recheckMs?: number;
}): AsyncGenerator<{ endpoints: EndpointRow[]; revision: number; at: Date }> {
  let last: EndpointRow[] | undefined;
  let revision = 0;
  while (!opts.signal.aborted) {
    const seen = opts.wakeup.generation();
    const rows = await withTx(opts.db, { deadline: QUERY_TIMEOUT, readOnly: true }, (tx) =>
      listEndpoints(tx, opts.appName),
    );
    if (!last || !sameEndpoints(last, rows)) {
      last = rows;
      revision++;
      yield { endpoints: rows, revision, at: new Date() };
    }
    const timeout = new AbortController();
    const onAbort = () => timeout.abort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => timeout.abort(), opts.recheckMs ?? 2000);
    try {
      await opts.wakeup.wait(seen, timeout.signal);
    } finally {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
    }
  }
}
