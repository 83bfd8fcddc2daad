import { common, scaler } from '@autoserve/proto';
import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { Interner } from './batch-encoder.js';
import { encodeMessages } from './encode-batch.js';
import { encodeWire } from './wire.js';

const NOW = Date.UTC(2026, 0, 1);
const rules = (known: string[] = ['web', 'api', 'ünï']) => ({
  nowMs: NOW,
  maxAgeMs: 30 * 86_400_000,
  isKnownApp: (n: string) => known.includes(n),
});

function random(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('wire decoder', () => {
  it('encodes exactly what the message path encodes', () => {
    const rnd = random(42);
    for (let round = 0; round < 20; round++) {
      const samples = Array.from({ length: 1 + Math.floor(rnd() * 50) }, () =>
        create(scaler.MetricSampleSchema, {
          appName: ['web', 'api', 'ünï'][Math.floor(rnd() * 3)]!,
          instanceId: BigInt(Math.floor(rnd() * 2 ** 31)),
          metricType: 1 + Math.floor(rnd() * 12),
          ...(rnd() < 0.8
            ? {
                time: {
                  seconds: BigInt(Math.floor((NOW - rnd() * 1e9) / 1000)),
                  nanos: Math.floor(rnd() * 1e9),
                },
              }
            : {}),
          value: rnd() * 100,
          labels: rnd() < 0.3 ? { zone: `z${Math.floor(rnd() * 3)}`, kü: 'v' } : {},
          unit: rnd() < 0.5 ? '%' : '',
          aggregationLevel: Math.floor(rnd() * 4),
        }),
      );
      const body = Buffer.from(
        toBinary(
          scaler.IngestMetricsRequestSchema,
          create(scaler.IngestMetricsRequestSchema, { samples }),
        ),
      );
      const a = encodeMessages(samples, rules(), new Interner());
      const b = encodeWire(body, rules(), new Interner(), 1);
      expect(b.error).toBeUndefined();
      expect(b.count).toBe(samples.length);
      expect(b.payload!.equals(a.payload!)).toBe(true);
    }
  });

  it('reads the sequence of StreamMetricsAcked and names the first bad sample like the message path', () => {
    const ok = { appName: 'web', metricType: common.MetricType.RPS, value: 1 };
    const samples = [ok, ok, { ...ok, value: Number.NaN }, { ...ok, appName: 'nope' }].map((s) =>
      create(scaler.MetricSampleSchema, s),
    );
    const body = Buffer.from(
      toBinary(
        scaler.StreamMetricsAckedRequestSchema,
        create(scaler.StreamMetricsAckedRequestSchema, { sequence: 77n, samples }),
      ),
    );
    const r = encodeWire(body, rules(), new Interner(), 2);
    expect(r.sequence).toBe(77n);
    expect(r.error?.index).toBe(2);
    expect(r.error?.err.rawMessage).toBe('samples[2].value: must be finite');
    const unknownFirst = [ok, { ...ok, appName: 'nope' }, { ...ok, value: -1 }].map((s) =>
      create(scaler.MetricSampleSchema, s),
    );
    const r2 = encodeWire(
      Buffer.from(
        toBinary(
          scaler.IngestMetricsRequestSchema,
          create(scaler.IngestMetricsRequestSchema, { samples: unknownFirst }),
        ),
      ),
      rules(),
      new Interner(),
      1,
    );
    expect(r2.suspects.get('nope')).toBe(1);
    expect(r2.error?.index).toBe(2);
  });

  it('rejects malformed bytes, negative numbers and empty batches', () => {
    const bad = (bytes: number[], field: 1 | 2 = 1) =>
      encodeWire(Buffer.from(bytes), rules(), new Interner(), field).error?.err.rawMessage;
    expect(bad([0x0a, 0x05, 0x0a])).toMatch(/^samples: malformed request: /);
    expect(bad([0x0a])).toMatch(/^samples: malformed request: /);
    expect(bad([])).toBe('samples: must not be empty');
    expect(bad([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 2)).toBe(
      'sequence: must be >= 0',
    );
    const neg = create(scaler.MetricSampleSchema, {
      appName: 'web',
      metricType: 4,
      instanceId: -5n,
    });
    const body = Buffer.from(
      toBinary(
        scaler.IngestMetricsRequestSchema,
        create(scaler.IngestMetricsRequestSchema, { samples: [neg] }),
      ),
    );
    expect(encodeWire(body, rules(), new Interner(), 1).error?.err.rawMessage).toBe(
      'samples[0].instance_id: must be 0..2147483647',
    );
  });
});

describe('memory held by ingest', () => {
  it('rejects app names no app can have before looking them up or interning them', () => {
    const long = create(scaler.MetricSampleSchema, { appName: 'x'.repeat(64), metricType: 4 });
    const body = Buffer.from(
      toBinary(
        scaler.IngestMetricsRequestSchema,
        create(scaler.IngestMetricsRequestSchema, { samples: [long] }),
      ),
    );
    const interner = new Interner();
    const r = encodeWire(body, rules(), interner, 1);
    expect(r.error?.err.rawMessage).toBe('samples[0].app_name: must be at most 63 characters');
    expect(r.suspects.size).toBe(0);
    expect(interner.size.entries).toBe(0);
  });

  it('bounds the interner by bytes as well as entries', () => {
    const interner = new Interner(10_000, 1 << 20);
    for (let i = 0; i < 200; i++) interner.get(`${i}`.padEnd(50_000, 'x'));
    expect(interner.size.bytes).toBeLessThanOrEqual(1 << 20);
    expect(interner.get('web').toString()).toBe('web');
  });
});
