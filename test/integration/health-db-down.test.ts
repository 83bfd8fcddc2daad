import type { RunningService } from '@autoserve/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, pgctl, startPrivateCluster } from '../support/cluster.js';
import { createTestDatabase } from '../support/database.js';
import { rawClients } from '../support/raw-grpc.js';
import { eventually, startContext, startScaler } from '../support/services.js';

/** A private cluster: this test stops its servers, which must not disturb other files. */
describe('health follows the database', () => {
  let cluster: Cluster;
  let scaler: RunningService;
  let context: RunningService;
  beforeAll(async () => {
    cluster = await startPrivateCluster('health');
    const db = await createTestDatabase(cluster, 'autoserve_health');
    // Context without a primary fallback, so a replica outage is visible.
    [scaler, context] = await Promise.all([
      startScaler(db),
      startContext(db, { CONTEXT_PRIMARY_URL: '' }),
    ]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([scaler?.stop(), context?.stop()]);
    if (cluster) await pgctl(cluster, 'down', '--purge');
  });

  const status = async (port: number) => {
    const c = rawClients(`127.0.0.1:${port}`);
    try {
      return await c.check('');
    } finally {
      c.close();
    }
  };

  it('scaler: NOT_SERVING while the primary is down, SERVING when it returns', async () => {
    expect(await status(scaler.port)).toBe('SERVING');
    await pgctl(cluster, 'stop-primary', 'immediate');
    await eventually(
      async () => (await status(scaler.port)) === 'NOT_SERVING',
      10_000,
      'NOT_SERVING',
    );
    await pgctl(cluster, 'up-primary');
    await eventually(
      async () => (await status(scaler.port)) === 'SERVING',
      15_000,
      'SERVING again',
    );
  });

  it('context: NOT_SERVING while the replica is down, SERVING when it returns', async () => {
    expect(await status(context.port)).toBe('SERVING');
    await pgctl(cluster, 'stop-replica', 'fast');
    await eventually(
      async () => (await status(context.port)) === 'NOT_SERVING',
      10_000,
      'NOT_SERVING',
    );
    await pgctl(cluster, 'up-replica');
    await eventually(
      async () => (await status(context.port)) === 'SERVING',
      15_000,
      'SERVING again',
    );
  });
});
