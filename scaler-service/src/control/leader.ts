import pg from 'pg';
import type { Logger } from 'pino';

/** Advisory lock key of the control loop ('autoctrl' in ASCII). */
export const LEADER_LOCK = 0x6175746f6374726cn;

export interface Leader {
  /** True while this process holds the lock on a live session. */
  isLeader(): boolean;
  stop(): Promise<void>;
}

/**
 * Leader election with a session-level advisory lock held on a dedicated
 * connection: Postgres releases it the moment that session ends, so when the
 * leader dies (process killed, connection lost) a follower's next attempt
 * (every `retryMs`) wins. Leadership is dropped as soon as the connection
 * reports an error, before anything else could act on a lost lock; a
 * keepalive query every `retryMs` detects a silently dead connection.
 */
export function startLeaderElection(opts: {
  url: string;
  log: Logger;
  retryMs: number;
  onChange?: (leader: boolean) => void;
}): Leader {
  let client: pg.Client | undefined;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const setLeader = (v: boolean) => {
    if (leader === v) return;
    leader = v;
    opts.log.info({ leader: v }, v ? 'became leader' : 'lost leadership');
    opts.onChange?.(v);
  };
  const drop = () => {
    setLeader(false);
    const c = client;
    client = undefined;
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
        });
        c.on('error', drop);
        c.on('end', () => {
          if (client === c) drop();
        });
        await c.connect();
        client = c;
      }
      if (leader) {
        await client.query('SELECT 1');
      } else {
        const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
          LEADER_LOCK.toString(),
        ]);
        setLeader(res.rows[0]?.ok === true);
      }
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'leader election: database unreachable');
      drop();
    }
  };
  const loop = async () => {
    await attempt();
    if (!stopped) timer = setTimeout(() => void loop(), opts.retryMs);
  };
  void loop();
  return {
    isLeader: () => leader && !stopped,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      setLeader(false);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
