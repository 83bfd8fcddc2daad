import type pg from 'pg';

/** Anything that runs a query: a transaction's client (usual) or a pool. */
export type Db = Pick<pg.ClientBase, 'query'>;

/** node-postgres returns int8 as a string; ids fit a bigint for the proto. */
export function toBigInt(value: string | number | bigint | null | undefined): bigint {
  return value == null ? 0n : BigInt(value);
}
