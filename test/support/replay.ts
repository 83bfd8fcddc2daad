import pg from 'pg';

/**
 * Waits until the replica has replayed everything the primary has written so
 * far (superuser or owner URLs of the same database on both servers).
 */
export async function waitForReplay(
  primaryUrl: string,
  replicaUrl: string,
  opts: { timeoutMs: number; pollMs: number },
): Promise<void> {
  const p = new pg.Client({ connectionString: primaryUrl });
  const r = new pg.Client({ connectionString: replicaUrl });
  await Promise.all([p.connect(), r.connect()]);
  try {
    const lsn = (await p.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
    const until = Date.now() + opts.timeoutMs;
    for (;;) {
      const ok = await r.query<{ ok: boolean }>(
        'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
        [lsn],
      );
      if (ok.rows[0]!.ok) return;
      if (Date.now() > until) throw new Error('replica did not catch up');
      await new Promise((res) => setTimeout(res, opts.pollMs));
    }
  } finally {
    await Promise.all([p.end(), r.end()]);
  }
}
