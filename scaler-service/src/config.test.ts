import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = {
  SCALER_DATABASE_URL: 'postgres://autoserve_scaler@127.0.0.1:55432/autoserve',
  AUTH_TOKENS: 'w:writer-token:write',
};

describe('scaler config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig(base);
    expect(c.server.port).toBe(50052);
    expect(c.migrationsUrl).toBeUndefined();
    expect(c.poolMax).toBe(20);
  });

  it('names the variable of a wrong value', () => {
    expect(() => loadConfig({ ...base, SCALER_DATABASE_URL: 'http://x' })).toThrow(
      /^SCALER_DATABASE_URL: /,
    );
    expect(() => loadConfig({ ...base, SCALER_GRPC_PORT: '99999' })).toThrow(/^SCALER_GRPC_PORT: /);
    expect(() => loadConfig({ ...base, MIGRATIONS_DATABASE_URL: 'nope' })).toThrow(
      /^MIGRATIONS_DATABASE_URL: /,
    );
    expect(() => loadConfig({ SCALER_DATABASE_URL: base.SCALER_DATABASE_URL })).toThrow(
      /^AUTH_TOKENS: /,
    );
  });
});
