import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dropDatabase } from '../../../scripts/lib/pg-harness.js';
import { REPO } from '../../support/cluster.js';

const run = promisify(execFile);
const cluster = inject('cluster');
const database = `autoserve_demo_test_${process.pid}`;

afterAll(async () => {
  await dropDatabase(cluster.primaryUrl, database);
});

describe('npm run demo', () => {
  it('runs to completion: scale-out with reasons, remediations, Context tables', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: REPO,
      env: {
        ...process.env,
        PG_DIR: cluster.dir,
        PG_PRIMARY_PORT: String(cluster.primaryPort),
        PG_REPLICA_PORT: String(cluster.replicaPort),
        AUTOSERVE_DB: database,
        SCALER_RUNTIME_OWNER: `demo-test-${process.pid}`,
        DEMO_LOAD_SECONDS: '12',
        DEMO_SEED: '12',
        NO_COLOR: '1',
      },
      timeout: 150_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toMatch(/>> \S+ scaling +app demo-web: scale out 1 -> \d/);
    expect(stdout).toContain('because: rps');
    expect(stdout).toMatch(/seeding remediation history: 12\/12 100\.0%/);
    expect(stdout).toMatch(/similarity +day +signal/);
    expect(stdout).toMatch(/scale-out +\d+ +\d+ +\d+ +\d+%/);
    expect(stdout).toMatch(/rps +[\d.]+ +[\d.]+/);
    expect(stdout).toContain('Demo complete in');
  }, 180_000);
});
