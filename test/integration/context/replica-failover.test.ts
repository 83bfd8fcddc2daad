import { DataSource } from '@autoserve/proto/common/v1';
import type { RunningService } from '@autoserve/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, pgctl, startPrivateCluster } from '../../support/cluster.js';
import { createTestDatabase, type TestDb } from '../../support/database.js';
import { eventually, startContext } from '../../support/services.js';
import { auth, type ContextClient, contextClient, withClient } from './fixture.js';

/**
 * Replica honesty on a PRIVATE cluster (this test stops and pauses the
 * replica, which must not disturb other files).
 */
describe('reads fall back to the primary, flagged degraded, and return to the replica', () => {
  let cluster: Cluster;
  let db: TestDb;
  let service: RunningService;
  let c: ContextClient;
  const read = () => c.listRemediationHistory({ namespace: 'failover', pageSize: 10 }, auth);

  beforeAll(async () => {
    cluster = await startPrivateCluster('context-failover');
    db = await createTestDatabase(cluster, 'autoserve_ctx_failover');
    await withClient(db.scalerUrl, (pgc) =>
      pgc.query(
        `INSERT INTO remediation_requests (name, namespace, signal_type, signal_name, signal_namespace,
           target_type, target_name, target_namespace, phase)
         VALUES ('r1', 'failover', 'p', 's', 'failover', 'deployment', 'api', 'failover', 'Completed')`,
      ),
    );
    service = await startContext(db, {
      CONTEXT_MAX_REPLICA_LAG: '1s',
      CONTEXT_REPLICA_RETRY: '200ms',
      CONTEXT_REPLICA_CONNECT_TIMEOUT: '500ms',
    });
    c = contextClient(service);
    await eventually(async () => (await read()).requests.length === 1, 15_000, 'replica has r1');
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    if (cluster) await pgctl(cluster, 'down', '--purge');
  });

  it('answers from the replica normally, reporting its lag', async () => {
    const headers: Headers[] = [];
    const res = await c.listRemediationHistory(
      { namespace: 'failover' },
      { ...auth, onHeader: (h) => headers.push(h) },
    );
    expect(res.readInfo).toMatchObject({ source: DataSource.REPLICA, degraded: false });
    expect(res.readInfo!.replicaLag).toBeDefined();
    expect(headers[0]!.get('x-read-source')).toBe('replica');
    expect(Number(headers[0]!.get('x-replica-lag-ms'))).toBeLessThan(1000);
  });

  it('keeps answering from the primary while the replica is down, then returns to it', async () => {
    await pgctl(cluster, 'stop-replica', 'fast');
    const during = await read();
    expect(during.requests.map((r) => r.name)).toEqual(['r1']);
    expect(during.readInfo).toMatchObject({
      source: DataSource.PRIMARY,
      degraded: true,
      degradedReason: 'replica unreachable',
    });
    await pgctl(cluster, 'up-replica');
    await eventually(
      async () => (await read()).readInfo?.source === DataSource.REPLICA,
      30_000,
      'reads back on the replica',
    );
    expect((await read()).readInfo?.degraded).toBe(false);
  });

  it('falls back when the replica lags beyond the bound', async () => {
    await withClient(db.ownerReplicaUrl, (pgc) => pgc.query('SELECT pg_wal_replay_pause()'));
    try {
      await withClient(db.scalerUrl, (pgc) =>
        pgc.query(
          `INSERT INTO remediation_requests (name, namespace, signal_type, signal_name, signal_namespace,
             target_type, target_name, target_namespace, phase)
           VALUES ('r2', 'failover', 'p', 's', 'failover', 'deployment', 'api', 'failover', 'Failed')`,
        ),
      );
      await eventually(
        async () => (await read()).readInfo?.source === DataSource.PRIMARY,
        15_000,
        'lag beyond 1s moves reads to the primary',
      );
      const res = await read();
      // The primary has the row the paused replica has not replayed yet.
      expect(res.requests.map((r) => r.name).sort()).toEqual(['r1', 'r2']);
      expect(res.readInfo!.degraded).toBe(true);
      expect(res.readInfo!.degradedReason).toMatch(/^replica lag \d+\.\ds > 1\.0s$/);
      expect(Number(res.readInfo!.replicaLag!.seconds)).toBeGreaterThanOrEqual(1);
    } finally {
      await withClient(db.ownerReplicaUrl, (pgc) => pgc.query('SELECT pg_wal_replay_resume()'));
    }
    await eventually(
      async () => (await read()).readInfo?.source === DataSource.REPLICA,
      15_000,
      'caught-up replica serves again',
    );
  });
});
