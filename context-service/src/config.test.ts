import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = {
  CONTEXT_REPLICA_URL: 'postgres://autoserve_context@127.0.0.1:55433/autoserve',
  AUTH_DISABLED: 'true',
};

describe('context config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig(base);
    expect(c.server.port).toBe(50051);
    expect(c.server.host).toBe('127.0.0.1');
    expect(c.primaryUrl).toBeUndefined();
    expect(c.maxReplicaLagMs).toBe(5000);
    expect(c.server.auth).toEqual({ mode: 'disabled' });
    expect(c.embedder).toEqual({ kind: 'hash' });
    expect(c.cacheTtlMs).toBe(30_000);
    expect(c.exactScanMaxRows).toBe(2000);
    expect(c.defaultEfSearch).toBe(200);
    expect(c.replicaRetryMs).toBe(1000);
  });

  it('reads overrides', () => {
    const c = loadConfig({
      ...base,
      CONTEXT_GRPC_PORT: '6000',
      CONTEXT_MAX_REPLICA_LAG: '2s',
      CONTEXT_PRIMARY_URL: 'postgresql://a@b/c',
    });
    expect(c.server.port).toBe(6000);
    expect(c.maxReplicaLagMs).toBe(2000);
    expect(c.primaryUrl).toBe('postgresql://a@b/c');
  });

  it('names the variable of a wrong value', () => {
    expect(() => loadConfig({ ...base, CONTEXT_REPLICA_URL: '' })).toThrow(
      /^CONTEXT_REPLICA_URL: /,
    );
    expect(() => loadConfig({ ...base, CONTEXT_GRPC_PORT: 'x' })).toThrow(/^CONTEXT_GRPC_PORT: /);
    expect(() => loadConfig({ ...base, CONTEXT_POOL_MAX: '0' })).toThrow(/^CONTEXT_POOL_MAX: /);
    expect(() => loadConfig({ ...base, LOG_LEVEL: 'chatty' })).toThrow(/^LOG_LEVEL: /);
    expect(() => loadConfig({ ...base, CONTEXT_HNSW_EF_SEARCH: '5' })).toThrow(
      /^CONTEXT_HNSW_EF_SEARCH: /,
    );
    expect(() => loadConfig({ ...base, EMBEDDER: 'word2vec' })).toThrow(/^EMBEDDER: /);
    expect(() => loadConfig({ ...base, TLS_CERT_FILE: '/x.pem' })).toThrow(/^TLS_KEY_FILE: /);
  });
});
