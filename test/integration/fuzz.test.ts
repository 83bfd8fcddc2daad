import { ContextService, ScalerService } from '@autoserve/proto';
import { describe, expect, inject, it } from 'vitest';
import { fuzzServices } from '../../scripts/fuzz/stack.js';

const cluster = inject('cluster');
const PER_RPC = Number(process.env.FUZZ_PER_RPC ?? 30);

/**
 * A bounded run of `npm run fuzz` (scripts/fuzz/): every RPC of both
 * services, as child processes under the `npm start` supervisor, gets
 * random, boundary, mutated and garbage requests over unary and streaming
 * calls. Nothing a caller sends may crash a service or be answered
 * INTERNAL/UNKNOWN, health stays SERVING, and RSS stays bounded.
 */
describe('fuzzing every RPC', () => {
  it(`${PER_RPC} hostile calls per RPC: no crash, no INTERNAL/UNKNOWN, SERVING, bounded RSS`, async () => {
    const report = await fuzzServices({
      perRpc: PER_RPC,
      seed: Number(process.env.FUZZ_SEED ?? 1),
      env: {
        ...process.env,
        PG_DIR: cluster.dir,
        PG_PRIMARY_PORT: String(cluster.primaryPort),
        PG_REPLICA_PORT: String(cluster.replicaPort),
        AUTOSERVE_DB: `autoserve_fuzz_${process.pid}`,
      },
    });
    const methods = Object.keys(report.methods);
    // Enumerated from the descriptors: a new RPC is fuzzed without being listed anywhere.
    expect(methods).toHaveLength(ScalerService.methods.length + ContextService.methods.length);
    const faults = Object.fromEntries(
      Object.entries(report.methods)
        .filter(([, m]) => m.faults || m.crashes)
        .map(([path, m]) => [path, { crashes: m.crashes, examples: m.examples }]),
    );
    expect({ faults, crash_output: report.crash_output }).toEqual({ faults: {}, crash_output: [] });
    expect(report.health_failures).toBe(0);
    for (const [service, rss] of Object.entries(report.rss_mb)) {
      expect(rss.max, service).toBeLessThan(400);
    }
  }, 300_000);
});
