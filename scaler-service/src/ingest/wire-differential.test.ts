import { scaler } from '@autoserve/proto';
import { type DescMessage, fromBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { mutate, prng, type Rng, strictViolation } from '../../../test/support/protobuf-fuzz.js';
import { Interner } from './batch-encoder.js';
import { encodeMessages } from './encode-batch.js';
import { encodeWire } from './wire.js';

/**
 * Differential fuzzing of the hand-written ingest decoder against
 * protobuf-es' `fromBinary` (plus a spec-strict walk for what protobuf-es
 * lets through): seeded, bounded, several thousand buffers per run. Random
 * valid requests written field by field (duplicated and merged fields,
 * unknown fields, groups, 64-bit varints in int32 fields, 10-byte varints,
 * `__proto__` and numeric label keys, invalid UTF-8), then mutated (bit
 * flips, truncation, deleted/duplicated ranges, garbage). Both must agree
 * on accept/reject, and on what an accepted body stores.
 */

const NOW = Date.UTC(2026, 0, 1);
const NOW_S = BigInt(NOW / 1000);
const rules = {
  nowMs: NOW,
  maxAgeMs: 30 * 86_400_000,
  isKnownApp: (n: string) => n === 'web' || n === 'ünï',
};
const SEEDS = Number(process.env.WIRE_FUZZ_SEEDS ?? 1000);

const APPS = ['web', 'ünï', 'nope', ''];
const KEYS = ['zone', '__proto__', 'constructor', '10', '2', 'kü', '', 'x'.repeat(64)];
const VARINT10_FOUR = [0x84, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];

function writeString(w: BinaryWriter, rnd: Rng, s: string) {
  if (rnd.chance(0.03)) w.bytes(Uint8Array.from([0x61, rnd.pick([0xff, 0xc3, 0xed, 0xa0, 0x80])]));
  else w.string(s);
}

function writeUnknown(w: BinaryWriter, rnd: Rng, depth = 0) {
  const no = rnd.pick([9, 15, 16, 1000, 536_870_911]);
  switch (rnd.int(5)) {
    case 0:
      w.tag(no, WireType.Varint).uint64(BigInt(rnd.int(2 ** 31)) * 12345n);
      break;
    case 1:
      w.tag(no, WireType.Bit64).double(rnd.next());
      break;
    case 2:
      w.tag(no, WireType.Bit32).fixed32(rnd.int(2 ** 31));
      break;
    case 3:
      w.tag(no, WireType.LengthDelimited).bytes(Uint8Array.from([1, 2, 3]));
      break;
    default:
      w.tag(no, WireType.StartGroup);
      if (depth < 3 && rnd.chance(0.5)) writeUnknown(w, rnd, depth + 1);
      w.tag(no, WireType.EndGroup);
  }
}

function writeTime(w: BinaryWriter, rnd: Rng) {
  w.tag(4, WireType.LengthDelimited).fork();
  if (rnd.chance(0.8)) {
    const s = rnd.chance(0.9) ? NOW_S - BigInt(rnd.int(2_000_000)) : rnd.pick([-1n, 2n ** 62n, 0n]);
    w.tag(1, WireType.Varint).int64(s);
  }
  if (rnd.chance(0.6)) {
    w.tag(2, WireType.Varint);
    if (rnd.chance(0.8)) w.int32(rnd.int(1e9));
    else w.uint64(rnd.pick([2n ** 32n + 7n, 2n ** 63n, 1_000_000_000n]));
  }
  if (rnd.chance(0.1)) writeUnknown(w, rnd);
  w.join();
}

function writeLabel(w: BinaryWriter, rnd: Rng) {
  w.tag(6, WireType.LengthDelimited).fork();
  const parts = [
    () => writeString(w.tag(1, WireType.LengthDelimited), rnd, rnd.pick(KEYS)),
    () =>
      writeString(w.tag(2, WireType.LengthDelimited), rnd, rnd.pick(['v', '', 'ü'.repeat(300)])),
    () => writeUnknown(w, rnd),
  ];
  for (let k = rnd.int(4); k > 0; k--) rnd.pick(parts)();
  w.join();
}

/** One MetricSample body, fields in random order, some repeated. */
function writeSample(w: BinaryWriter, rnd: Rng) {
  const fields = [
    () => writeString(w.tag(1, WireType.LengthDelimited), rnd, rnd.pick(APPS)),
    () =>
      w
        .tag(2, WireType.Varint)
        .int64(rnd.pick([0n, 7n, 2n ** 31n - 1n, 2n ** 31n, -1n, 2n ** 40n])),
    () => {
      w.tag(3, WireType.Varint);
      const form = rnd.int(10);
      if (form === 0) w.raw(Uint8Array.from(VARINT10_FOUR));
      else if (form === 1) w.uint64(2n ** 32n + BigInt(1 + rnd.int(12)));
      else w.int32(rnd.pick([1, 4, 9, 12, 0, 13, -1]));
    },
    () => writeTime(w, rnd),
    () => w.tag(5, WireType.Bit64).double(rnd.pick([rnd.next() * 100, 150, -1, Number.NaN, 0])),
    () => writeLabel(w, rnd),
    () =>
      writeString(
        w.tag(7, WireType.LengthDelimited),
        rnd,
        rnd.pick(['%', 'ms', '', 'u'.repeat(21)]),
      ),
    () => w.tag(8, WireType.Varint).int32(rnd.pick([0, 1, 2, 3, 4, -1])),
    () => writeUnknown(w, rnd),
  ];
  // Mostly valid samples, so acceptance is exercised as much as rejection.
  writeString(w.tag(1, WireType.LengthDelimited), rnd, rnd.chance(0.9) ? 'web' : rnd.pick(APPS));
  w.tag(3, WireType.Varint).int32(1 + rnd.int(12));
  w.tag(5, WireType.Bit64).double(rnd.next() * 100);
  for (let k = rnd.int(5); k > 0; k--) rnd.pick(fields)();
}

function writeRequest(rnd: Rng, samplesField: 1 | 2): Uint8Array {
  const w = new BinaryWriter();
  if (samplesField === 2 && rnd.chance(0.9)) {
    w.tag(1, WireType.Varint).int64(rnd.pick([0n, 5n, 2n ** 60n, -3n]));
  }
  for (let n = 1 + rnd.int(4); n > 0; n--) {
    w.tag(samplesField, WireType.LengthDelimited).fork();
    writeSample(w, rnd);
    w.join();
    if (rnd.chance(0.1)) writeUnknown(w, rnd);
  }
  return w.finish();
}

/** Malformed (both reject the bytes), decoded (same data or same error), stored (same payload). */
type Outcome = 'malformed' | 'decoded' | 'stored';

/** Decodes `body` both ways; returns the agreed outcome or throws with the difference. */
function compare(schema: DescMessage, samplesField: 1 | 2, body: Uint8Array): Outcome {
  const hand = encodeWire(Buffer.from(body), rules, new Interner(), samplesField);
  let msg: scaler.IngestMetricsRequest | scaler.StreamMetricsAckedRequest | undefined;
  try {
    msg = fromBinary(schema, body) as typeof msg;
  } catch {
    msg = undefined;
  }
  const hex = Buffer.from(body).toString('hex');
  if (msg === undefined || strictViolation(schema, body) !== undefined) {
    expect(hand.payload, `hand decoder accepted ${hex}`).toBeUndefined();
    expect(hand.error, hex).toBeDefined();
    return 'malformed';
  }
  const ref = encodeMessages(msg.samples, rules, new Interner());
  if ('sequence' in msg && msg.sequence < 0n) {
    expect(hand.error, hex).toBeDefined();
    return 'decoded';
  }
  if (hand.error?.err.rawMessage.endsWith('labels: must have at most 16 entries')) {
    // Stopped at the 17th label: the message path rejects the batch too.
    expect(ref.error, hex).toBeDefined();
    return 'decoded';
  }
  expect(hand.error?.err.rawMessage, hex).toBe(ref.error?.err.rawMessage);
  expect(hand.error?.index, hex).toBe(ref.error?.index);
  expect([...hand.suspects], hex).toEqual([...ref.suspects]);
  expect(hand.count, hex).toBe(ref.count);
  expect(hand.payload?.toString('hex'), hex).toBe(ref.payload?.toString('hex'));
  if ('sequence' in msg && !hand.error) expect(hand.sequence, hex).toBe(msg.sequence);
  return hand.error || hand.suspects.size ? 'decoded' : 'stored';
}

describe('wire decoder against protobuf-es (differential fuzz)', () => {
  for (const [name, schema, field] of [
    ['IngestMetricsRequest', scaler.IngestMetricsRequestSchema, 1],
    ['StreamMetricsAckedRequest', scaler.StreamMetricsAckedRequestSchema, 2],
  ] as const) {
    it(`agrees on ${SEEDS} random ${name} bodies and 4 mutations of each`, () => {
      const seen = { malformed: 0, decoded: 0, stored: 0 };
      for (let seed = 1; seed <= SEEDS; seed++) {
        const rnd = prng(seed * 7919 + field);
        const body = writeRequest(rnd, field);
        seen[compare(schema, field, body)]++;
        let m = body;
        for (let k = 0; k < 4; k++) {
          m = rnd.chance(0.5) ? mutate(rnd, body) : mutate(rnd, m);
          seen[compare(schema, field, m)]++;
        }
      }
      // Both verdicts must be exercised, or the comparison proves little.
      expect(seen.malformed).toBeGreaterThan(SEEDS / 2);
      expect(seen.decoded + seen.stored).toBeGreaterThan(SEEDS);
      expect(seen.stored).toBeGreaterThan(SEEDS / 10);
    }, 120_000);
  }
});
