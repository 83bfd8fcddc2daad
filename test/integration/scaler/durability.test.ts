import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { common, scaler } from '@autoserve/proto';
import type { RunningService } from '@autoserve/runtime';
import { create } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, pgctl, startPrivateCluster } from '../../support/cluster.js';
import { createTestDatabase, queryOnce, type TestDb } from '../../support/database.js';
import { eventually, startScaler } from '../../support/services.js';
import { scalerClient } from './client.js';

const run = promisify(execFile);
const BATCH = 500;

/**
 * "Acked means durable": a private cluster (this test kills its primary) and
 * a bidi ingest stream; the primary is SIGKILLed mid-stream, restarted, and
 * every batch the client saw acked must be in the table, while the client
 * sees an error rather than acks for batches that were lost.
 */
describe('metrics ingest: acked means durable', () => {
  let cluster: Cluster;
  let db: TestDb;
  let svc: RunningService;
  beforeAll(async () => {
    cluster = await startPrivateCluster('durable');
    db = await createTestDatabase(cluster, 'autoserve_durable');
    svc = await startScaler(db, { SCALER_POOL_MAX: '4' });
  }, 180_000);
  afterAll(async () => {
    await svc?.stop();
    if (cluster) await pgctl(cluster, 'down', '--purge');
  });

  /** SIGKILL the postmaster, then its children (a crash, not a shutdown). */
  async function killPrimary(): Promise<void> {
    const pid = Number(
      readFileSync(`${cluster.dir}/primary/postmaster.pid`, 'utf8').split('\n')[0],
    );
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({
      stdout: '',
    }));
    process.kill(pid, 'SIGKILL');
    for (const child of stdout
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0)) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  it('keeps every acked sample across a kill -9 of the primary; the client sees errors, not false acks', async () => {
    const c = scalerClient(svc.port);
    const app = 'durable-app';
    await c.registerApp({ name: app, spec: { image: 'x' } });
    const acked: bigint[] = [];
    let sent = 0;
    let killed = false;
    async function* batches() {
      for (let seq = 0n; seq < 100_000n; seq++) {
        sent++;
        yield {
          sequence: seq,
          samples: Array.from({ length: BATCH }, (_, j) =>
            create(scaler.MetricSampleSchema, {
              appName: app,
              instanceId: seq + 1n,
              metricType: common.MetricType.RPS,
              value: j,
            }),
          ),
        };
        if (killed && sent > acked.length + 50) return;
      }
    }
    let failure: unknown;
    try {
      for await (const ack of c.streamMetricsAcked(batches())) {
        expect(ack.samplesCommitted).toBe(BigInt(BATCH));
        acked.push(ack.sequence);
        if (acked.length === 30) {
          killed = true;
          await killPrimary();
        }
      }
    } catch (err) {
      failure = err;
    }
    expect(killed).toBe(true);
    expect(failure, 'the stream must fail, not end cleanly').toBeInstanceOf(ConnectError);
    expect(acked.length).toBeGreaterThanOrEqual(30);
    expect(acked).toEqual(acked.map((_, i) => BigInt(i)));

    await pgctl(cluster, 'up-primary');
    const rows = await queryOnce<{ seq: number; n: number }>(
      db.ownerUrl,
      'SELECT instance_id - 1 AS seq, count(*)::int AS n FROM metrics GROUP BY 1 ORDER BY 1',
    );
    const stored = new Map(rows.rows.map((r) => [r.seq, r.n]));
    for (const seq of acked) expect(stored.get(Number(seq)), `batch ${seq}`).toBe(BATCH);
    // No batch is half-stored (one transaction per batch).
    for (const n of stored.values()) expect(n).toBe(BATCH);

    // The service recovers by itself once the primary is back.
    await eventually(
      async () => {
        await c.ingestMetrics({
          samples: [{ appName: app, metricType: common.MetricType.RPS, value: 1 }],
        });
        return true;
      },
      30_000,
      'ingest after restart',
    );
  });
});
