import { describe, expect, it } from 'vitest';
import * as codecs from './enums.js';

/**
 * The stored spellings, written out once: the database's CHECK constraints and existing rows use
 * exactly these, so a rename in the contracts that would change one fails here instead of
 * writing a value the database rejects (test/integration/migrations.test.ts checks the same lists
 * against the constraints themselves).
 */
const STORED: Record<string, string[]> = {
  appStatusCodec: [
    'registered',
    'starting',
    'running',
    'stopping',
    'stopped',
    'error',
    'updating',
    'deleting',
  ],
  appModeCodec: ['auto', 'manual'],
  instanceStatusCodec: ['starting', 'running', 'stopping', 'stopped', 'error', 'draining'],
  healthStatusCodec: ['unknown', 'healthy', 'unhealthy', 'starting'],
  probeProtocolCodec: ['HTTP', 'TCP'],
  probeMethodCodec: ['GET', 'POST', 'PUT', 'HEAD'],
  ratePolicyTypeCodec: ['Pods', 'Percent'],
  selectPolicyCodec: ['Max', 'Min', 'Disabled'],
  eventTypeCodec: [
    'registration',
    'scaling',
    'health',
    'config',
    'deployment',
    'error',
    'warning',
    'network',
    'resource',
    'security',
    'lifecycle',
    'remediation',
  ],
  eventCategoryCodec: ['application', 'system', 'cluster', 'security', 'performance'],
  severityCodec: ['debug', 'info', 'warning', 'error', 'critical'],
  metricTypeCodec: [
    'cpu_percent',
    'memory_percent',
    'memory_bytes',
    'rps',
    'latency_p50',
    'latency_p95',
    'latency_p99',
    'active_connections',
    'error_rate',
    'response_time',
    'queue_length',
    'disk_usage',
  ],
  aggregationLevelCodec: ['instance', 'app', 'system'],
  priorityCodec: ['P0', 'P1', 'P2'],
  remediationPhaseCodec: ['Pending', 'Processing', 'Completed', 'Failed'],
  workflowPhaseCodec: ['Pending', 'Executing', 'Completed', 'Failed', 'Paused'],
  actionResultCodec: ['success', 'failure'],
};

describe('enum codecs', () => {
  for (const [name, spellings] of Object.entries(STORED)) {
    it(`${name} spells the stored values, in enum order, both ways`, () => {
      const codec = (codecs as unknown as Record<string, codecs.EnumCodec>)[name]!;
      expect(codec.values).toEqual(spellings);
      spellings.forEach((text, i) => {
        expect(codec.toDb(i + 1)).toBe(text);
        expect(codec.fromDb(text)).toBe(i + 1);
      });
      expect(codec.toDb(0)).toBeUndefined();
      expect(codec.fromDb(null)).toBe(0);
      expect(codec.fromDb('no such value')).toBe(0);
    });
  }

  it('ranks severities from debug 0 to critical 4', () => {
    expect(codecs.severityRank(codecs.severityCodec.fromDb('debug'))).toBe(0);
    expect(codecs.severityRank(codecs.severityCodec.fromDb('critical'))).toBe(4);
  });
});
