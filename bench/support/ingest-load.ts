import { once } from 'node:events';
import { scaler } from '@autoserve/proto';
import { fromBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { METRICS_COPY_SQL } from '../../scaler-service/src/ingest/copy-encoder.js';
import { processCpuSeconds } from './ingest-setup.js';
import { progress } from './progress.js';

export interface PhaseResult {
  seconds: number;
  samplesPerSecond: number;
}

async function resetTable(ownerUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  await c.query('TRUNCATE metrics');
  await c.query('CHECKPOINT');
  await c.end();
}

/**
 * The physical limit: the same binary payloads COPYed straight into the
 * metrics table over `streams` connections, one batch per COPY (its own
 * transaction, so as durable per batch as an acked gRPC batch).
 */
export async function copyPhase(
  ownerUrl: string,
  payloads: Buffer[],
  nBatches: number,
  streams: number,
  batch: number,
): Promise<PhaseResult> {
  await resetTable(ownerUrl);
  const clients = await Promise.all(
    Array.from({ length: streams }, async () => {
      const c = new pg.Client({ connectionString: ownerUrl });
      await c.connect();
      return c;
    }),
  );
  const bar = progress('raw COPY', nBatches * batch);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = next++; i < nBatches; i = next++) {
        const stream = c.query(copyFrom(METRICS_COPY_SQL));
        const done = once(stream, 'finish');
        stream.end(payloads[i % payloads.length]);
        await done;
        bar.tick(batch);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  bar.done();
  await Promise.all(clients.map((c) => c.end()));
  return { seconds, samplesPerSecond: (nBatches * batch) / seconds };
}

/**
 * The service path: `streams` concurrent StreamMetrics calls to the Scaler
 * process, each writing pre-serialized frames with HTTP/2 backpressure.
 * Reports the generator's and the server's CPU over the phase.
 */
export async function grpcPhase(
  address: string,
  token: string,
  frames: Buffer[],
  nBatches: number,
  streams: number,
  batch: number,
  serverPid: number,
  ownerUrl?: string,
): Promise<
  PhaseResult & { generatorCpuPercent: number; serverCpuPercent: number; committed: number }
> {
  if (ownerUrl) await resetTable(ownerUrl);
  const bar = progress('gRPC StreamMetrics', nBatches * batch);
  const clients = Array.from(
    { length: streams },
    (_, i) =>
      new grpc.Client(address, grpc.credentials.createInsecure(), {
        'grpc.max_send_message_length': 4 * 1024 * 1024,
        // A connection per stream, as independent senders would have.
        'grpc.channel_id': i,
      } as grpc.ChannelOptions),
  );
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  const identity = (b: Buffer) => b;
  let next = 0;
  let committed = 0;
  const cpu0 = process.cpuUsage();
  const server0 = processCpuSeconds(serverPid);
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      const response = new Promise<Buffer>((resolve, reject) => {
        const call = client.makeClientStreamRequest<Buffer, Buffer>(
          '/autoserve.scaler.v1.ScalerService/StreamMetrics',
          identity,
          identity,
          md,
          (err, res) => (err ? reject(err) : resolve(res!)),
        );
        void (async () => {
          for (let i = next++; i < nBatches; i = next++) {
            if (!call.write(frames[i % frames.length])) await once(call, 'drain');
            bar.tick(batch);
          }
          call.end();
        })();
      });
      const res = fromBinary(scaler.StreamMetricsResponseSchema, await response);
      committed += Number(res.samplesCommitted);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = processCpuSeconds(serverPid) - server0;
  bar.done();
  for (const c of clients) c.close();
  return {
    seconds,
    samplesPerSecond: committed / seconds,
    committed,
    generatorCpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    serverCpuPercent: (serverCpu / seconds) * 100,
  };
}
