import type { HandlerContext } from '@connectrpc/connect';
import type pg from 'pg';
import { queryPipelined, type Statement } from './pipeline.js';
import type { Pool, PoolClient } from './pool.js';

/** Statement timeout used when the caller sent no deadline. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/** The part of a handler context that bounds database work. */
export type Deadline = Pick<HandlerContext, 'timeoutMs'> | { timeoutMs(): number | undefined };

/** Milliseconds a statement may run: what is left of the call's deadline. */
export function statementTimeoutMs(
  deadline: Deadline | undefined,
  fallbackMs = DEFAULT_STATEMENT_TIMEOUT_MS,
): number {
  const left = deadline?.timeoutMs();
  if (left === undefined || !Number.isFinite(left)) return fallbackMs;
  // At least 1 ms: statement_timeout = 0 would mean "no limit".
  return Math.max(1, Math.floor(left));
}

export interface TxOptions {
  /** Bound every statement by the call's deadline. */
  deadline?: Deadline;
  /** Read-only transaction (the replica accepts nothing else anyway). */
  readOnly?: boolean;
  /** Extra transaction-local settings, e.g. { 'hnsw.ef_search': '100' }. */
  settings?: Record<string, string>;
  /**
   * Static select-list (code, never request data) evaluated in the same
   * statement that applies the settings, e.g. the replica's replay lag; its
   * row is handed to `fn`. Saves a round trip on hot read paths.
   */
  probe?: string;
  /**
   * A statement sent in the same round trip as the settings and planned under them (see
   * queryPipelined); its result is handed to `fn`. withReadSession only.
   */
  alongside?: Statement;
}

/** What applying the settings returned: the probe's row, and the `alongside` statement's result. */
interface Applied {
  probed: Record<string, unknown>;
  alongside?: pg.QueryResult;
}

/**
 * Applies the call's statement_timeout and `settings` in one statement that
 * also evaluates `probe`; returns the probe's row. `scope` 'transaction' lasts
 * until COMMIT, 'session' until the connection's next user sets them again.
 */
async function applySettings(
  client: PoolClient,
  options: TxOptions,
  scope: 'transaction' | 'session',
): Promise<Applied> {
  // All settings in one round trip: under CPU contention every extra round
  // trip costs a scheduler wake-up on both sides.
  const names = ['statement_timeout', ...Object.keys(options.settings ?? {})];
  const values = [
    String(statementTimeoutMs(options.deadline)),
    ...Object.values(options.settings ?? {}),
  ];
  const settings: Statement = {
    text: `SELECT (SELECT count(set_config(k, v, $3)) FROM unnest($1::text[], $2::text[]) AS s(k, v)) AS settings${options.probe ? `, ${options.probe}` : ''}`,
    values: [names, values, scope === 'transaction'],
  };
  if (options.alongside) {
    const [applied, alongside] = await queryPipelined(client, [settings, options.alongside]);
    return { probed: applied!.rows[0] as Record<string, unknown>, alongside: alongside! };
  }
  const applied = await client.query(settings.text, settings.values);
  return { probed: applied.rows[0] as Record<string, unknown> };
}

/**
 * Sets session-level settings on a client in one round trip, for a read that learns only
 * mid-way which settings its next statement needs (the similarity plan, chosen after its
 * row estimate). Pools whose users all go through withReadSession reset them on the next read.
 */
export async function setSessionSettings(
  client: PoolClient,
  settings: Record<string, string>,
): Promise<void> {
  await client.query(
    'SELECT count(set_config(k, v, false)) FROM unnest($1::text[], $2::text[]) AS s(k, v)',
    [Object.keys(settings), Object.values(settings)],
  );
}

/**
 * Checks a client out with an 'error' listener for as long as `fn` holds it.
 * The pool stops listening for a client's socket errors while it is checked
 * out; without a listener a Postgres crash mid-query is an unhandled 'error'
 * event that takes the whole process down. The query itself still rejects,
 * so the error reaches the caller.
 */
async function withClient<T>(
  pool: Pool,
  fn: (client: PoolClient, markBroken: () => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await fn(client, onError);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * Runs `fn` in one transaction with the call's remaining deadline as
 * statement_timeout (transaction-local, so pooled connections keep their
 * defaults). Rolls back on any error.
 */
export async function withTx<T>(
  pool: Pool,
  options: Omit<TxOptions, 'alongside'>,
  fn: (client: PoolClient, probed: Record<string, unknown>) => Promise<T>,
): Promise<T> {
  return withClient(pool, async (client, markBroken) => {
    try {
      await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      const { probed } = await applySettings(client, options, 'transaction');
      const result = await fn(client, probed);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        markBroken();
      }
      throw err;
    }
  });
}

/**
 * Runs read-only `fn` without a transaction: the settings are session-level,
 * applied with the probe in one statement, so a single-query read costs two
 * round trips instead of four. For pools whose every user goes through here
 * (each sets its own statement_timeout first). Statements see their own
 * snapshots, as they do in a READ COMMITTED transaction anyway, and none is
 * held open between them (fewer recovery conflicts on a standby).
 */
export async function withReadSession<T>(
  pool: Pool,
  options: Omit<TxOptions, 'readOnly'>,
  fn: (
    client: PoolClient,
    probed: Record<string, unknown>,
    alongside: pg.QueryResult | undefined,
  ) => Promise<T>,
): Promise<T> {
  return withClient(pool, async (client) => {
    const applied = await applySettings(client, options, 'session');
    return fn(client, applied.probed, applied.alongside);
  });
}
