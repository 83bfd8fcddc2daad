import { describe, expect } from 'vitest';
import { serviceTest } from '../../support/fixtures.js';
import { appName } from '../scaler/client.js';

const test = serviceTest();

// Issue 9, item 3: an app's env and its health-check headers hold secrets (API keys, basic
// auth). A read-scope token (dashboards, the Context side) sees the keys, never the values;
// the write scope, which could set them anyway, sees everything.
describe('secret values in app specs and health checks', () => {
  const name = appName('redact');
  const env = { DATABASE_PASSWORD: 'hunter2-secret', GREETING: 'hi' };
  const headers = { authorization: 'Bearer probe-secret' };
  test.beforeAll(async ({ writer }) => {
    await writer.registerApp({
      name,
      spec: { image: 'autoserve/node-http:test', env },
      healthCheck: { path: '/healthz', headers },
    });
  });

  test('a read token sees the keys with redacted values', async ({ reader }) => {
    const got = await reader.getApp({ name });
    expect(got.app?.spec?.env).toEqual({ DATABASE_PASSWORD: '[redacted]', GREETING: '[redacted]' });
    expect(got.healthCheck?.headers).toEqual({ authorization: '[redacted]' });
    expect(got.healthCheck?.path).toBe('/healthz');
    const hc = await reader.getHealthCheck({ appName: name });
    expect(hc.healthCheck?.headers).toEqual({ authorization: '[redacted]' });
    const all = JSON.stringify([got, hc], (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('probe-secret');
  });

  test('a write token sees the values', async ({ writer }) => {
    const got = await writer.getApp({ name });
    expect(got.app?.spec?.env).toEqual(env);
    expect(got.healthCheck?.headers).toEqual(headers);
    expect((await writer.getHealthCheck({ appName: name })).healthCheck?.headers).toEqual(headers);
  });
});
