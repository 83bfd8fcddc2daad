import { type Row, textOf, timeOf } from './columns.js';

/** The columns every remediation audit table shares (node-postgres types). */
export interface AuditTrailRow {
  message: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  correlation_id: string | null;
}

/**
 * The audit-trail columns as their message fields, read once for the five audit tables. The
 * mappers copy the five fields into their literal by name: spreading this object there, or
 * assigning the fields afterwards, measured 1.3-1.9x slower per row.
 */
export function auditTrailOf(r: Row) {
  return {
    message: textOf(r.message, 'message'),
    createdAt: timeOf(r.created_at, 'created_at'),
    startedAt: timeOf(r.started_at, 'started_at'),
    completedAt: timeOf(r.completed_at, 'completed_at'),
    correlationId: textOf(r.correlation_id, 'correlation_id'),
  };
}
