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
    // While the restarted standby catches up it cannot bound its lag, and says
    // so; once it has replayed what the primary wrote, reads return to it.
    const { rows } = await withClient(db.scalerUrl, (pgc) =>
      pgc.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'),
    );
    await eventually(
      async () => {
        const res = await withClient(db.ownerReplicaUrl, (pgc) =>
          pgc.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [
            rows[0]!.lsn,
          ]),
        ).catch(() => undefined);
        return res?.rows[0]?.ok === true;
      },
      30_000,
      'the restarted replica replays what the primary wrote',
    );
    await eventually(
      async () => (await read()).readInfo?.source === DataSource.REPLICA,
      30_000,
      'reads back on the replica',
    );
    // Once caught up it stays serving: an idle primary's odd non-commit record
    // in flight is not mistaken for lag.
    for (let i = 0; i < 20; i++) {
      expect((await read()).readInfo).toMatchObject({
        source: DataSource.REPLICA,
        degraded: false,
        degradedReason: '',
      });
    }
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

  it('serves the lagging replica, flagged, when the primary it would fall back to is down', async () => {
    await withClient(db.ownerReplicaUrl, (pgc) => pgc.query('SELECT pg_wal_replay_pause()'));
    await withClient(db.scalerUrl, (pgc) =>
      pgc.query(
        `INSERT INTO remediation_requests (name, namespace, signal_type, signal_name, signal_namespace,
           target_type, target_name, target_namespace, phase)
         VALUES ('r3', 'failover', 'p', 's', 'failover', 'deployment', 'api', 'failover', 'Failed')`,
      ),
    );
    await pgctl(cluster, 'stop-primary', 'fast');
    await eventually(
      async () => (await read()).readInfo?.degraded === true,
      15_000,
      'the paused replica is past the lag bound',
    );
    const res = await read();
    // Not r3: the replica has not replayed it, and says so rather than failing.
    expect(res.requests.map((r) => r.name).sort()).toEqual(['r1', 'r2']);
    expect(res.readInfo!.source).toBe(DataSource.REPLICA);
    expect(res.readInfo!.degradedReason).toMatch(
      /^replica lag \d+\.\ds > 1\.0s; primary unreachable$/,
    );
  });
});
