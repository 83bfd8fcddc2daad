import { common, scaler } from '@autoserve/proto';
import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { Interner } from '../../scaler-service/src/ingest/batch-encoder.js';
import { encodeMessages } from '../../scaler-service/src/ingest/encode-batch.js';
import { encodeWire } from '../../scaler-service/src/ingest/wire.js';
import { percentile } from './stats.js';

/**
 * The hand-written wire decoder against protobuf-es `fromBinary` + the
 * message encoder, on the same request bodies, interleaved round by round
 * (so both see the same machine state): ms per batch, medians, and the
 * speed ratio that justifies keeping a hand decoder at all. Two data
 * families: the ingest bench's own batches (few labels, ASCII) and
 * label-heavy, non-ASCII samples.
 */
export function decoderPhase(batch: number, rounds = 30) {
  const now = Date.now();
  const rules = { nowMs: now, maxAgeMs: 86_400_000, isKnownApp: () => true };
  type Init = MessageInitShape<typeof scaler.MetricSampleSchema>;
  const families: Record<string, (i: number) => Init> = {
    ascii_few_labels: (i: number) => ({
      appName: `bench-app-${i % 20}`,
      instanceId: BigInt(1 + (i % 10)),
      metricType: common.MetricType.CPU_PERCENT,
      time: {
        seconds: BigInt(Math.floor((now - 60_000 + (i % 60_000)) / 1000)),
        nanos: (i % 1000) * 1_000_000,
      },
      value: (i * 7919) % 100,
      unit: i % 4 === 2 ? 'rps' : '%',
      labels: i % 10 === 0 ? { zone: `z${i % 3}` } : ({} as Record<string, string>),
    }),
    unicode_many_labels: (i: number) => ({
      appName: `añp-ü-${i % 50}`,
      instanceId: BigInt(i % 1000),
      metricType: 1 + (i % 12),
      time: { seconds: BigInt(Math.floor(now / 1000) - (i % 3600)), nanos: i % 1_000_000_000 },
      value: (i % 97) + 0.5,
      unit: 'ms',
      labels: Object.fromEntries(
        Array.from({ length: 1 + (i % 8) }, (_, k) => [`kéy${k}`, `välue-${i % (k + 3)}`]),
      ),
    }),
  };
  const out: Record<string, { hand_ms: number; from_binary_ms: number; ratio: number }> = {};
  for (const [name, make] of Object.entries(families)) {
    const samples = Array.from({ length: batch }, (_, i) =>
      create(scaler.MetricSampleSchema, make(i)),
    );
    const body = Buffer.from(
      toBinary(
        scaler.StreamMetricsRequestSchema,
        create(scaler.StreamMetricsRequestSchema, { samples }),
      ),
    );
    const hand: number[] = [];
    const reflective: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      const a = encodeWire(body, rules, new Interner(), 1);
      hand.push(performance.now() - t);
      t = performance.now();
      const b = encodeMessages(
        fromBinary(scaler.StreamMetricsRequestSchema, body).samples,
        rules,
        new Interner(),
      );
      reflective.push(performance.now() - t);
      if (!a.payload?.equals(b.payload!)) throw new Error(`decoders disagree on ${name}`);
    }
    const h = percentile(
      hand.sort((x, y) => x - y),
      50,
    );
    const f = percentile(
      reflective.sort((x, y) => x - y),
      50,
    );
    out[name] = {
      hand_ms: Number(h.toFixed(3)),
      from_binary_ms: Number(f.toFixed(3)),
      ratio: Number((f / h).toFixed(2)),
    };
  }
  return { batch, rounds, ...out };
}
