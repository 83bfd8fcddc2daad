import { type Row, textOf, timeOf } from './columns.js';

/** The columns every remediation audit table shares (node-postgres types). */
export interface AuditTrailRow {
  message: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  correlation_id: string | null;
}

/** The audit-trail columns as their message fields: written once for the five audit tables. */
export function auditTrailOf(r: Row) {
  return {
    message: textOf(r, 'message'),
    createdAt: timeOf(r, 'created_at'),
    startedAt: timeOf(r, 'started_at'),
    completedAt: timeOf(r, 'completed_at'),
    correlationId: textOf(r, 'correlation_id'),
  };
}
