import * as codecs from '@autoserve/runtime';
import { describe, expect, inject, it } from 'vitest';
import { queryOnce } from '../support/database.js';

const db = inject('db');

/** Each stored enum column, the codec that writes it. */
const COLUMNS: [table: string, column: string, codec: codecs.EnumCodec][] = [
  ['applications', 'status', codecs.appStatusCodec],
  ['applications', 'mode', codecs.appModeCodec],
  ['instances', 'status', codecs.instanceStatusCodec],
  ['instances', 'health_status', codecs.healthStatusCodec],
  ['health_checks', 'protocol', codecs.probeProtocolCodec],
  ['health_checks', 'method', codecs.probeMethodCodec],
  ['events', 'event_type', codecs.eventTypeCodec],
  ['events', 'event_category', codecs.eventCategoryCodec],
  ['events', 'severity', codecs.severityCodec],
  ['metrics', 'metric_type', codecs.metricTypeCodec],
  ['metrics', 'aggregation_level', codecs.aggregationLevelCodec],
  ['remediation_requests', 'priority', codecs.priorityCodec],
  ['remediation_requests', 'phase', codecs.remediationPhaseCodec],
  ['incident_embeddings', 'priority', codecs.priorityCodec],
  ['workflow_executions', 'phase', codecs.workflowPhaseCodec],
  ['kubernetes_executions', 'action_result', codecs.actionResultCodec],
];

/**
 * The shared enum codecs (derived from the contracts) against the database's own CHECK
 * constraints: a value one side allows and the other refuses would surface as a rejected write
 * (or a row read back as UNSPECIFIED) in production, not here.
 */
describe('enum codecs agree with the CHECK constraints', () => {
  for (const [table, column, codec] of COLUMNS) {
    it(`${table}.${column}`, async () => {
      const r = await queryOnce<{ def: string }>(
        db.ownerUrl,
        `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
          WHERE c.conrelid = $1::regclass AND c.contype = 'c'
            AND pg_get_constraintdef(c.oid) ~ ('\\m' || $2 || '\\M.*ANY')`,
        [table, column],
      );
      expect(r.rows, `one CHECK constraint lists ${table}.${column}`).toHaveLength(1);
      const allowed = [...r.rows[0]!.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!);
      expect([...allowed].sort()).toEqual([...codec.values].sort());
    });
  }
});
