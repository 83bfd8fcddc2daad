import { hostname } from 'node:os';
import pg from 'pg';
import type { Logger } from 'pino';
import { bumpLeaderTerm } from '../queries/leader-term.js';

/** Advisory lock key of the control loop ('autoctrl' in ASCII). */
export const LEADER_LOCK = 0x6175746f6374726cn;

/**
 * The control loop's handle on its leadership: whether to act at all (cheap,
 * local) and the term to fence acting transactions with (checked in the
 * database, so a leader that has not noticed its loss yet is refused).
 */
export interface Leadership {
  /** True while this process holds the lock on a live session. */
  isLeader(): boolean;
  /** The term this process was elected with (int8 as text); undefined while not leading. */
  term(): string | undefined;
}

export interface Leader extends Leadership {
  stop(): Promise<void>;
  /** The backend pid of the leader session (tests terminate it to depose the leader). */
  sessionPid(): number | undefined;
}

/**
 * Leader election with a session-level advisory lock held on a dedicated
 * connection: Postgres releases it the moment that session ends, so when the
 * leader dies (process killed, connection lost) a follower's next attempt
 * (every `retryMs`) wins. The winner then starts a new term (queries/leader-term.ts),
 * the fencing token every acting transaction checks. Leadership is dropped as soon as
 * the connection reports an error; a keepalive query every `retryMs` detects a
 * silently dead connection.
 */
export function startLeaderElection(opts: {
  url: string;
  log: Logger;
  retryMs: number;
  onChange?: (leader: boolean) => void;
}): Leader {
  let client: pg.Client | undefined;
  let pid: number | undefined;
  let leader = false;
  let term: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const holder = `${hostname()}:${process.pid}`;
  const setLeader = (v: boolean) => {
    if (!v) term = undefined;
    if (leader === v) return;
    leader = v;
    opts.log.info({ leader: v, term }, v ? 'became leader' : 'lost leadership');
    opts.onChange?.(v);
  };
  const drop = () => {
    setLeader(false);
    const c = client;
    client = undefined;
    pid = undefined;
    c?.end().catch(() => {});
  };
  const attempt = async () => {
    try {
      if (!client) {
        const c = new pg.Client({
          connectionString: opts.url,
          application_name: 'autoserve-scaler-leader',
          keepAlive: true,
          connectionTimeoutMillis: Math.max(1000, opts.retryMs * 2),
          // The term bump waits for the previous term's acts; never forever.
          statement_timeout: Math.max(1000, opts.retryMs * 10),
        });
        c.on('error', drop);
        c.on('end', () => {
          if (client === c) drop();
        });
        await c.connect();
        client = c;
        pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      }
      if (leader) {
        await client.query('SELECT 1');
      } else {
        const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
          LEADER_LOCK.toString(),
        ]);
        if (res.rows[0]?.ok === true) {
          term = await bumpLeaderTerm(client, holder);
          setLeader(true);
        }
      }
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'leader election: database unreachable');
      drop();
    }
  };
  // The attempt in flight: stop() waits for it, or an attempt still connecting when stop() ran
  // would open a session after it, win the lock there and hold it until the process exits.
  let current: Promise<void> = Promise.resolve();
  const loop = () => {
    current = attempt().then(() => {
      if (!stopped) timer = setTimeout(loop, opts.retryMs);
    });
  };
  loop();
  return {
    isLeader: () => leader && !stopped,
    term: () => (leader && !stopped ? term : undefined),
    sessionPid: () => pid,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
      setLeader(false);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
