import type { scaler } from '@autoserve/proto';
import { invalidArgument } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import type { WriteSideDeps } from './deps.js';
import { requestsOf } from './stream-input.js';

/**
 * IngestMetrics, StreamMetrics and StreamMetricsAcked. Every batch is
 * validated whole, COPYed and committed before the call answers (unary), the
 * next message is read (client stream) or the ack is sent (bidi): a stream
 * is processed strictly in order, one batch in flight, so a slow database
 * slows the reader and HTTP/2 flow control holds the client back; nothing is
 * buffered without bound.
 */
export function createMetricsIngestHandlers({ ingest }: Pick<WriteSideDeps, 'ingest'>) {
  return {
    async ingestMetrics(req: scaler.IngestMetricsRequest, ctx: HandlerContext) {
      const n = await ingest.ingest(req.samples, ctx, ctx.signal);
      return { samplesCommitted: BigInt(n) };
    },

    async streamMetrics(requests: AsyncIterable<scaler.StreamMetricsRequest>, ctx: HandlerContext) {
      let batches = 0n;
      let samples = 0n;
      for await (const req of requests) {
        samples += BigInt(await ingest.ingest(req.samples, ctx, ctx.signal));
        batches++;
      }
      return { batchesCommitted: batches, samplesCommitted: samples };
    },

    async *streamMetricsAcked(
      requests: AsyncIterable<scaler.StreamMetricsAckedRequest>,
      ctx: HandlerContext,
    ) {
      for await (const req of requestsOf(requests)) {
        if (req.sequence < 0n) throw invalidArgument('sequence', 'must be >= 0');
        const n = await ingest.ingest(req.samples, ctx, ctx.signal);
        yield { sequence: req.sequence, samplesCommitted: BigInt(n) };
      }
    },
  };
}
