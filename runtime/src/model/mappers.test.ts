import { describe, expect, it } from 'vitest';
import { toAnalysis } from './ai-analysis.js';
import { toEvent } from './event.js';
import { toRemediationRequest } from './remediation-request.js';
import { toWorkflowExecution } from './workflow-execution.js';

/** The same row as node-postgres hands it to the Scaler and as to_jsonb() hands it to the Context. */
const created = new Date('2026-03-04T05:06:07.890Z');
const pgRequest = {
  id: '77',
  name: 'rr',
  namespace: 'ns',
  signal_type: 'alert',
  signal_name: 'HighCPU',
  signal_namespace: 'ns',
  target_type: 'deployment',
  target_name: 'web',
  target_namespace: 'ns',
  environment: null,
  priority: 'P1',
  fingerprint: null,
  phase: 'Completed',
  message: null,
  reason: null,
  created_at: created,
  started_at: null,
  completed_at: null,
  correlation_id: 'c-1',
  labels: { team: 'a' },
};
const jsonRequest = { ...pgRequest, id: 77, created_at: '2026-03-04T05:06:07.89+00:00' };

describe('the shared row mappers', () => {
  it('map a node-postgres row and its to_jsonb form to the same request', () => {
    const a = toRemediationRequest(pgRequest);
    expect(a).toEqual(toRemediationRequest(jsonRequest));
    expect(a).toMatchObject({
      id: 77n,
      priority: 2,
      phase: 3,
      environment: '',
      labels: { team: 'a' },
    });
    expect(a.createdAt).toEqual({ seconds: 1772600767n, nanos: 890_000_000 });
  });

  it('read a join row through its prefix, as the similarity queries select it', () => {
    const joined = Object.fromEntries(Object.entries(pgRequest).map(([k, v]) => [`rr_${k}`, v]));
    expect(toRemediationRequest(joined, 'rr_')).toEqual(toRemediationRequest(pgRequest));
  });

  it('fill NULL workflow counters and flags with zero values', () => {
    const w = toWorkflowExecution({
      id: '5',
      phase: 'Running',
      step_count: 3,
      current_step: null,
      is_auto_approved: null,
      created_at: created,
      paused_at: null,
    });
    expect(w).toMatchObject({ id: 5n, stepCount: 3, currentStep: 0, isAutoApproved: false });
    expect(w.pausedAt).toBeUndefined();
  });

  it('leave an unknown investigation time unset but keep a stored 0 s', () => {
    expect(toAnalysis({ id: '1', investigation_time_seconds: null }).investigationTime).toBe(
      undefined,
    );
    expect(toAnalysis({ id: '1', investigation_time_seconds: 0 }).investigationTime).toEqual({
      seconds: 0n,
      nanos: 0,
    });
  });

  it('map an event with a non-object details as no details', () => {
    const e = toEvent({
      id: '3',
      event_type: 'scaling',
      event_category: 'application',
      app_name: null,
      message: 'm',
      details: [1, 2],
      severity: 'warning',
      timestamp: created,
      source: 'api',
      node_id: null,
    });
    expect(e).toMatchObject({ id: 3n, appName: '', nodeId: '', message: 'm' });
    expect(e.details).toBeUndefined();
    expect(e.type).not.toBe(0);
    expect(e.severity).not.toBe(0);
  });

  it('refuse a row whose id is not an integer (a query selected the wrong column)', () => {
    expect(() => toEvent({ id: 'web-1', event_type: 'scaling' })).toThrow(/row column id/);
  });
});
