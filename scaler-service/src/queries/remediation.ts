import { notFound } from '@autoserve/runtime';
import type { Db } from './db.js';

/** The remediation history tables this service writes (fixed names, never request data). */
export type RemediationTable =
  | 'remediation_requests'
  | 'remediation_processing'
  | 'ai_analysis'
  | 'workflow_executions'
  | 'kubernetes_executions';

const IDENT = /^[a-z_]+$/;

/**
 * Inserts one record; `values` maps fixed column names (from the record
 * mappers, never from the request) to parameters. Returns the stored row.
 */
export async function insertRecord<R>(
  db: Db,
  table: RemediationTable,
  values: Record<string, unknown>,
): Promise<R> {
  const cols = Object.keys(values);
  if (!cols.every((c) => IDENT.test(c))) throw new Error('bad column name');
  const res = await db.query(
    `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})
     RETURNING *`,
    Object.values(values),
  );
  return res.rows[0] as R;
}

/**
 * Sets the given columns of the record with this id (any partition);
 * NotFound when there is none. An empty change just reads the record.
 */
export async function updateRecordOrThrow<R>(
  db: Db,
  table: RemediationTable,
  id: bigint,
  change: Record<string, unknown>,
  what: string,
): Promise<R> {
  const cols = Object.keys(change);
  if (!cols.every((c) => IDENT.test(c))) throw new Error('bad column name');
  const res =
    cols.length === 0
      ? await db.query(`SELECT * FROM ${table} WHERE id = $1`, [id.toString()])
      : await db.query(
          `UPDATE ${table} SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')}
            WHERE id = $1 RETURNING *`,
          [id.toString(), ...Object.values(change)],
        );
  if (!res.rows[0]) throw notFound(`${what} ${id}`);
  return res.rows[0] as R;
}

/** A remediation request by id, or undefined. */
export async function maybeGetRemediationRequest<R>(db: Db, id: bigint): Promise<R | undefined> {
  const res = await db.query('SELECT * FROM remediation_requests WHERE id = $1', [id.toString()]);
  return res.rows[0] as R | undefined;
}
