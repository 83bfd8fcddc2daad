import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = {
  SCALER_DATABASE_URL: 'postgres://autoserve_scaler@127.0.0.1:55432/autoserve',
  AUTH_TOKENS: 'w:writer-token-0123456789abcdef:write',
};

describe('scaler config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig(base);
    expect(c.server.port).toBe(50052);
    expect(c.migrationsUrl).toBeUndefined();
    expect(c.poolMax).toBe(20);
    expect(c.watchPoolMax).toBe(2);
    expect(loadConfig({ ...base, SCALER_WATCH_POOL_MAX: '4' }).watchPoolMax).toBe(4);
    expect(() => loadConfig({ ...base, SCALER_WATCH_POOL_MAX: '0' })).toThrow(
      /^SCALER_WATCH_POOL_MAX: /,
    );
    expect(c.server.streams).toMatchObject({ maxStreams: 2000, maxStreamsPerPrincipal: 500 });
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

  it('reads the write-side knobs with their defaults and bounds', () => {
    const c = loadConfig(base);
    expect(c.copyConcurrency).toBe(10);
    expect(c.appCacheTtlMs).toBe(5000);
    expect(c.eventsPollMs).toBe(1000);
    expect(c.embedder).toEqual({ kind: 'hash' });
    expect(c.retention).toEqual({
      metricsMaxAgeMs: 30 * 86_400_000,
      eventsMaxAgeMs: 90 * 86_400_000,
      idempotencyKeyTtlMs: 86_400_000,
      intervalMs: 3_600_000,
      batchRows: 5000,
      batchPauseMs: 50,
    });
    expect(c.successRatesRefreshMs).toBe(300_000);
    const d = loadConfig({
      ...base,
      SCALER_POOL_MAX: '4',
      METRICS_RETENTION_DAYS: '7',
      RETENTION_INTERVAL: '0',
      SUCCESS_RATES_REFRESH_INTERVAL: '30s',
    });
    expect(d.copyConcurrency).toBe(2);
    expect(d.retention.metricsMaxAgeMs).toBe(7 * 86_400_000);
    expect(d.retention.intervalMs).toBe(0);
    expect(d.successRatesRefreshMs).toBe(30_000);
    expect(() => loadConfig({ ...base, SCALER_COPY_CONCURRENCY: '50' })).toThrow(
      /^SCALER_COPY_CONCURRENCY: /,
    );
    expect(() => loadConfig({ ...base, METRICS_RETENTION_DAYS: '0' })).toThrow(
      /^METRICS_RETENTION_DAYS: /,
    );
    expect(() => loadConfig({ ...base, SCALER_EVENTS_POLL_INTERVAL: 'soon' })).toThrow(
      /^SCALER_EVENTS_POLL_INTERVAL: /,
    );
  });
});
