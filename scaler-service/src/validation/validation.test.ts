import { scaler } from '@autoserve/proto';
import { decodePageToken, encodePageToken, pageSize } from '@autoserve/runtime';
import { HEALTH_CHECK_DEFAULTS, POLICY_DEFAULTS } from '@autoserve/runtime/model';
import { create } from '@bufbuild/protobuf';
import type { ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { normalizeHealthCheck } from './health-check.js';
import { validateAppName, validateRequestId } from './names.js';
import { normalizePolicy, policyToProto } from './policy.js';
import { validateSpec } from './spec.js';

const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as ConnectError).rawMessage;
  }
  return 'no error';
};

describe('names', () => {
  it('accepts DNS-1123 labels only', () => {
    for (const ok of ['a', 'web', 'web-1', '0abc', 'a'.repeat(63)])
      expect(validateAppName(ok)).toBe(ok);
    expect(message(() => validateAppName(''))).toBe('name: is required');
    expect(message(() => validateAppName('a'.repeat(64)))).toBe(
      'name: must be at most 63 characters',
    );
    for (const bad of ['Web', '-web', 'web-', 'we_b', 'we.b', 'wé']) {
      expect(message(() => validateAppName(bad))).toMatch(/^name: must be a DNS-1123 label/);
    }
    expect(message(() => validateRequestId('x'.repeat(129)))).toMatch(/^request_id:/);
    expect(message(() => validateRequestId('a b'))).toMatch(/^request_id:/);
  });
});

describe('spec', () => {
  const spec = (init: Parameters<typeof create<typeof scaler.AppSpecSchema>>[1]) =>
    create(scaler.AppSpecSchema, init);
  it('stores a valid spec in snake_case', () => {
    expect(validateSpec(spec({ image: 'nginx:1', env: { A: '1' }, cpuLimit: 0.5 }))).toMatchObject({
      image: 'nginx:1',
      env: { A: '1' },
      cpu_limit: 0.5,
      memory_limit_bytes: 0,
    });
  });
  it('names the bad field', () => {
    expect(message(() => validateSpec(undefined))).toBe('spec: is required');
    expect(message(() => validateSpec(spec({})))).toMatch(/^spec.image: is required/);
    expect(message(() => validateSpec(spec({ image: 'x', env: { PORT: '1' } })))).toMatch(
      /^spec.env\["PORT"\]/,
    );
    expect(message(() => validateSpec(spec({ image: 'x', env: { '1A': '1' } })))).toMatch(
      /^spec.env\["1A"\]/,
    );
    expect(message(() => validateSpec(spec({ image: 'x', port: 70000 })))).toMatch(/^spec.port/);
    expect(message(() => validateSpec(spec({ image: 'x', cpuLimit: 0.001 })))).toMatch(
      /^spec.cpu_limit/,
    );
    expect(message(() => validateSpec(spec({ image: 'x', cpuLimit: Number.NaN })))).toBe(
      'spec.cpu_limit: must be finite',
    );
    expect(message(() => validateSpec(spec({ image: 'x', memoryLimitBytes: 1024n })))).toMatch(
      /^spec.memory_limit_bytes/,
    );
  });
});

describe('policy', () => {
  it('fills the defaults table (pinned to the column DEFAULTs by model-defaults.test.ts)', () => {
    const p = normalizePolicy(undefined);
    expect(p).toEqual(POLICY_DEFAULTS);
    // Copies: a caller that edits its policy cannot change every later app's defaults.
    expect(p.scale_up_policies).not.toBe(POLICY_DEFAULTS.scale_up_policies);
  });

  it('keeps explicit values, 0 disables a target, and round-trips through the proto', () => {
    const input = create(scaler.ScalingPolicySchema, {
      minReplicas: 0,
      maxReplicas: 10,
      targetRpsPerReplica: 0,
      scaleDown: {
        tolerance: 0.2,
        stabilizationWindow: { seconds: 60n },
        policies: [{ type: scaler.RatePolicyType.PODS, value: 2, period: { seconds: 30n } }],
        selectPolicy: scaler.SelectPolicy.MIN,
      },
      scaleToZero: { idlePeriod: { seconds: 600n }, activationThreshold: 5 },
      hpaCompatible: true,
    });
    const p = normalizePolicy(input);
    expect(p.hpa_compatible).toBe(true);
    expect(p.target_rps_per_replica).toBeNull();
    expect(p.scale_down_policies).toEqual([{ type: 'Pods', value: 2, periodSeconds: 30 }]);
    expect(p.scale_down_select_policy).toBe('Min');
    expect(p.scale_to_zero_idle_seconds).toBe(600);
    const back = normalizePolicy(create(scaler.ScalingPolicySchema, policyToProto(p)));
    expect(back).toEqual(p);
  });

  it('rejects what the table rejects, naming the field', () => {
    const bad = (init: object) =>
      message(() => normalizePolicy(create(scaler.ScalingPolicySchema, init)));
    expect(bad({ minReplicas: 6, maxReplicas: 5 })).toBe(
      'policy.min_replicas: must be <= max_replicas (5)',
    );
    expect(bad({ maxReplicas: 0 })).toMatch(/^policy.max_replicas/);
    expect(bad({ scaleInThresholdPct: 90 })).toMatch(/^policy.scale_in_threshold_pct: must be </);
    expect(bad({ cpuWeight: -1 })).toMatch(/^policy.cpu_weight/);
    expect(bad({ maxCpuPercent: 101 })).toMatch(/^policy.max_cpu_percent/);
    expect(bad({ cooldown: { seconds: 1n, nanos: 5 } })).toBe(
      'policy.cooldown: must be whole seconds',
    );
    expect(bad({ evaluationWindow: { seconds: 1n } })).toMatch(/^policy.evaluation_window/);
    expect(bad({ scaleUp: { tolerance: 2 } })).toMatch(/^policy.scale_up.tolerance/);
    expect(
      bad({ scaleUp: { policies: [{ type: 1, value: 0, period: { seconds: 15n } }] } }),
    ).toMatch(/^policy.scale_up.policies\[0\].value/);
    expect(bad({ scaleUp: { policies: [{ type: 2, value: 10 }] } })).toBe(
      'policy.scale_up.policies[0].period: is required',
    );
    expect(
      bad({ scaleUp: { policies: [{ type: 0, value: 10, period: { seconds: 1n } }] } }),
    ).toMatch(/^policy.scale_up.policies\[0\].type/);
    expect(bad({ scaleToZero: { activationThreshold: -1 } })).toMatch(
      /^policy.scale_to_zero.activation_threshold/,
    );
  });
});

describe('health check', () => {
  it('defaults to the defaults table: HTTP GET / on the instance port', () => {
    expect(normalizeHealthCheck(undefined)).toEqual(HEALTH_CHECK_DEFAULTS);
    expect(HEALTH_CHECK_DEFAULTS).toMatchObject({ protocol: 'HTTP', path: '/', port: null });
  });
  it('names the bad field', () => {
    const bad = (init: object) =>
      message(() => normalizeHealthCheck(create(scaler.HealthCheckSchema, init)));
    expect(bad({ path: 'x' })).toBe('health_check.path: must start with "/"');
    expect(bad({ port: 70000 })).toMatch(/^health_check.port/);
    expect(bad({ expectedStatusCodes: [200, 600] })).toMatch(
      /^health_check.expected_status_codes\[1\]/,
    );
    expect(bad({ period: { seconds: 2n }, timeout: { seconds: 3n } })).toBe(
      'health_check.timeout: must be <= period (2s)',
    );
    expect(bad({ period: { seconds: 0n } })).toMatch(/^health_check.period/);
    expect(bad({ failureThreshold: 0 })).toMatch(/^health_check.failure_threshold/);
    expect(bad({ headers: { 'bad header': 'x' } })).toMatch(
      /^health_check.headers\["bad header"\]/,
    );
    // A short period lowers the default timeout with it.
    expect(
      normalizeHealthCheck(create(scaler.HealthCheckSchema, { period: { seconds: 2n } }))
        .timeout_seconds,
    ).toBe(2);
  });
});

describe('page tokens', () => {
  it('round-trip and refuse tampering or other filters', () => {
    const t = encodePageToken('apps', { s: ['running'] }, ['web']);
    expect(decodePageToken(t, 'apps', { s: ['running'] }, ['string'])).toEqual(['web']);
    expect(decodePageToken('', 'apps', {}, ['string'])).toBeUndefined();
    expect(message(() => decodePageToken(t, 'apps', { s: [] }, ['string']))).toMatch(
      /^page_token: page token belongs to different filters/,
    );
    expect(message(() => decodePageToken(t, 'events', { s: ['running'] }, ['string']))).toMatch(
      /^page_token: page token was not issued by this RPC/,
    );
    expect(message(() => decodePageToken('!!', 'apps', {}, ['string']))).toMatch(/^page_token:/);
    expect(message(() => decodePageToken(`${t}x`, 'apps', { s: ['running'] }, ['string']))).toMatch(
      /^page_token:/,
    );
    expect(message(() => decodePageToken(t, 'apps', { s: ['running'] }, ['number']))).toMatch(
      /^page_token:/,
    );
    expect(pageSize('page_size', 0, 50, 500)).toBe(50);
    expect(message(() => pageSize('page_size', 501, 50, 500))).toBe('page_size: must be 1..500');
  });
});
