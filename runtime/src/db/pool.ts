import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type QueryResult<R extends pg.QueryResultRow = pg.QueryResultRow> = pg.QueryResult<R>;

export interface PoolOptions {
  /** postgres:// URL. */
  url: string;
  /** Maximum connections. */
  max: number;
  /** application_name seen in pg_stat_activity. */
  applicationName: string;
  /** How long to wait for a free connection or a new one, ms. */
  connectTimeoutMs?: number;
}

/** Parses pgvector's text form "[1,2,3]" into numbers. */
export function parseVector(text: string): number[] {
  return JSON.parse(text) as number[];
}

/** pgvector's text form of a vector, sent as a bound parameter. */
export function vectorToSql(values: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(values, ',')}]`;
}

/**
 * A pool whose clients parse `vector` columns. The vector type's OID is read
 * once (it differs per database) and served by the pool's own type parser,
 * because registering types per connection races the first query.
 */
export async function createPool(options: PoolOptions): Promise<Pool> {
  const vectorOid = { value: -1 };
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === vectorOid.value
        ? parseVector
        : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types,
  });
  // An idle client's socket error must not crash the process; the next
  // checkout reconnects.
  pool.on('error', () => {});
  await resolveVectorOid(pool, vectorOid);
  return pool;
}

/**
 * Reads the vector type's OID; when the database is unreachable (a service
 * may start before it), retries on the pool's next new connection.
 */
async function resolveVectorOid(pool: Pool, vectorOid: { value: number }): Promise<void> {
  try {
    const res = await pool.query<{ oid: number | null }>(
      "SELECT to_regtype('vector')::oid::int AS oid",
    );
    vectorOid.value = res.rows[0]?.oid ?? -1;
  } catch {
    pool.once('connect', () => {
      void resolveVectorOid(pool, vectorOid);
    });
  }
}
