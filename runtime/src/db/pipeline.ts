import pg from 'pg';
import type { PoolClient } from './pool.js';

/** One parameterized statement. */
export interface Statement {
  text: string;
  values: unknown[];
}

type Connection = Parameters<pg.Submittable['submit']>[0] & {
  stream: { cork?: () => void; uncork?: () => void };
  parse(q: { text: string; name: string; types: number[] }): void;
  bind(b: { portal: string; statement: string; values: unknown[]; binary: boolean }): void;
  describe(d: { type: 'P'; name: string }): void;
  execute(e: { portal: string; rows: number }): void;
  sync(): void;
};

// pg maps parameters (arrays, dates, numbers) with this before binding; the same mapping keeps a
// pipelined statement's parameters identical to client.query's.
const prepareValue = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils
  .prepareValue;

/**
 * pg's Query with the statements' Parse/Bind/Describe/Execute messages written together, ended
 * by one Sync: Postgres runs them in order in one implicit transaction and answers with one result
 * per statement. Query's own handlers already collect several results (as for a simple-protocol
 * multi-statement string); only the writing differs.
 */
class PipelinedQuery extends pg.Query {
  constructor(
    private readonly statements: Statement[],
    callback: (err: Error | null, res: pg.QueryResult | pg.QueryResult[]) => void,
  ) {
    super({ text: statements[0]!.text }, undefined, callback as never);
  }

  // @ts-expect-error pg's typings declare submit as a property; at run time it is a method.
  override submit(connection: Connection): Error | null {
    let mapped: unknown[][];
    try {
      // Mapped before anything is written: a value pg cannot map fails the call, not the wire.
      mapped = this.statements.map((s) => s.values.map((v) => prepareValue(v)));
    } catch (err) {
      return err as Error;
    }
    connection.stream.cork?.();
    try {
      this.statements.forEach((s, i) => {
        connection.parse({ text: s.text, name: '', types: [] });
        connection.bind({ portal: '', statement: '', values: mapped[i]!, binary: false });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }
}

/**
 * Runs `statements` in one write and one round trip, in order, in one implicit transaction, and
 * returns one result per statement. A later statement is planned after the earlier ones ran, so a
 * `set_config` in the first governs the planning of the next (planner settings and the query they
 * are for cost one round trip, not two). An error in any statement rejects the whole call, and
 * the statements after it do not run.
 */
export function queryPipelined(
  client: PoolClient,
  statements: Statement[],
): Promise<pg.QueryResult[]> {
  if (statements.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const query = new PipelinedQuery(statements, (err, res) => {
      if (err) reject(err);
      else resolve(Array.isArray(res) ? res : [res]);
    });
    client.query(query as unknown as pg.Submittable);
  });
}
