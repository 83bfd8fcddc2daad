import type { scaler } from '@autoserve/proto';
import { invalidArgument } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import type { WriteSideDeps } from './deps.js';

/**
 * IngestMetrics, StreamMetrics and StreamMetricsAcked. Every batch is
 * validated whole, COPYed and committed before the call answers (unary), the
 * next message is read (client stream) or the ack is sent (bidi): a stream
 * is processed strictly in order, one batch in flight, so a slow database
 * slows the reader and HTTP/2 flow control holds the client back; nothing is
 * buffered without bound.
 */
export function createMetricsIngestHandlers({ ingest }: Pick<WriteSideDeps, 'ingest'>) {
  // Requests arrive as raw bytes when the service registers these methods as
  // rawInput (the hand-written decoder path), else as decoded messages.
  const one = async (req: { samples: scaler.MetricSample[] } | Buffer, ctx: HandlerContext) =>
    Buffer.isBuffer(req)
      ? (await ingest.ingestWire(req, 1, ctx, ctx.signal)).count
      : ingest.ingest(req.samples, ctx, ctx.signal);
  return {
    async ingestMetrics(req: scaler.IngestMetricsRequest | Buffer, ctx: HandlerContext) {
      return { samplesCommitted: BigInt(await one(req, ctx)) };
    },

    async streamMetrics(
      requests: AsyncIterable<scaler.StreamMetricsRequest | Buffer>,
      ctx: HandlerContext,
    ) {
      let batches = 0n;
      let samples = 0n;
      for await (const req of requests) {
        samples += BigInt(await one(req, ctx));
        batches++;
      }
      return { batchesCommitted: batches, samplesCommitted: samples };
    },

    async *streamMetricsAcked(
      requests: AsyncIterable<scaler.StreamMetricsAckedRequest | Buffer>,
      ctx: HandlerContext,
    ) {
      for await (const req of requests) {
        if (Buffer.isBuffer(req)) {
          const r = await ingest.ingestWire(req, 2, ctx, ctx.signal);
          yield { sequence: r.sequence, samplesCommitted: BigInt(r.count) };
          continue;
        }
        if (req.sequence < 0n) throw invalidArgument('sequence', 'must be >= 0');
        const n = await ingest.ingest(req.samples, ctx, ctx.signal);
        yield { sequence: req.sequence, samplesCommitted: BigInt(n) };
      }
    },
  };
}

/** Ingest RPCs served from raw request bytes (see the adapter's rawInput). */
export const RAW_INPUT_METHODS: ReadonlySet<string> = new Set([
  'IngestMetrics',
  'StreamMetrics',
  'StreamMetricsAcked',
]);
