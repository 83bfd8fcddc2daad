import { invalidArgument } from '@autoserve/runtime';
import {
  BatchEncoder,
  type BatchRules,
  type EncodedBatch,
  type Interner,
  MAX_LABELS,
} from './batch-encoder.js';
import { runPass } from './encode-batch.js';
import {
  int32Range,
  malformed,
  nonNegative,
  RECURSION_LIMIT,
  Reader,
  WT_64,
  WT_LEN,
  WT_VARINT,
} from './wire-reader.js';

/**
 * A hand-written protobuf decoder for the ingest requests (IngestMetrics,
 * StreamMetrics: samples = 1; StreamMetricsAcked: sequence = 1,
 * samples = 2) that feeds each MetricSample straight into the COPY encoder.
 * Reflective decoding built a message object per sample and cost several
 * times the rest of the ingest path; this reads the fields in place.
 *
 * It decodes what protobuf-es' `fromBinary` decodes (the differential test
 * in wire-differential.test.ts holds it to that): a repeated scalar field
 * keeps its last value, a repeated `time` merges field by field, map
 * entries keep their last value per key (any key, `__proto__` included:
 * stored as an own property), int32 and enum fields truncate
 * 64-bit varints to 32 bits, unknown fields and groups are skipped. See
 * wire-reader.ts for where it is stricter than protobuf-es.
 */

/** Decoded time of one sample: undefined seconds = unset. */
interface Time {
  sec: number | undefined;
  nanos: number;
}

/** Merges one Timestamp message into `t` (fields absent from it keep their values). */
function readTime(r: Reader, end: number, t: Time): void {
  t.sec ??= 0;
  while (r.pos < end) {
    r.tag(end);
    if (r.field === 1) {
      r.expect(WT_VARINT);
      r.varint64(end);
      t.sec = nonNegative(r);
    } else if (r.field === 2) {
      r.expect(WT_VARINT);
      t.nanos = r.uint32(end) | 0;
    } else r.skip(end, RECURSION_LIMIT - 3);
  }
}

/**
 * Reads one map entry into `labels` (last value per key wins, key order is
 * the object's, as in protobuf-es' map objects); returns whether the key is
 * new, so the caller can reject at the entry beyond `MAX_LABELS` without
 * reading the rest.
 */
function readLabel(r: Reader, end: number, labels: Record<string, string>): boolean {
  let key = '';
  let val = '';
  while (r.pos < end) {
    r.tag(end);
    if (r.field === 1 || r.field === 2) {
      r.expect(WT_LEN);
      const s = r.string(end);
      if (r.field === 1) key = s;
      else val = s;
    } else r.skip(end, RECURSION_LIMIT - 2);
  }
  const fresh = !Object.hasOwn(labels, key);
  // A plain `labels[key] =` would set the prototype for "__proto__" instead of storing it.
  if (key === '__proto__') {
    Object.defineProperty(labels, key, {
      value: val,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else labels[key] = val;
  return fresh;
}

/** Decodes + encodes one request body; `samplesField` is 2 for StreamMetricsAcked. */
export function encodeWire(
  body: Buffer,
  rules: BatchRules,
  interner: Interner,
  samplesField: 1 | 2,
): EncodedBatch & { sequence: bigint } {
  const r = new Reader(body);
  const len = body.length;
  const enc = new BatchEncoder(Math.ceil(len / 40), rules, interner);
  let i = 0;
  let seqLo = 0;
  let seqHi = 0;
  // Consecutive samples usually share the app and unit: compare bytes before decoding.
  let prevApp = '';
  let prevAppStart = -1;
  let prevAppLen = -1;
  let prevUnit = '';
  let prevUnitStart = -1;
  let prevUnitLen = -1;
  const cachedString = (end: number, which: 'app' | 'unit'): string => {
    const e = r.lenEnd(end);
    const n = e - r.pos;
    const [start, plen] =
      which === 'app' ? [prevAppStart, prevAppLen] : [prevUnitStart, prevUnitLen];
    if (n !== plen || body.compare(body, start, start + n, r.pos, e) !== 0) {
      const s = r.utf8(r.pos, e);
      if (which === 'app') [prevApp, prevAppStart, prevAppLen] = [s, r.pos, n];
      else [prevUnit, prevUnitStart, prevUnitLen] = [s, r.pos, n];
    }
    r.pos = e;
    return which === 'app' ? prevApp : prevUnit;
  };
  const result = runPass(
    enc,
    () => i,
    () => {
      while (r.pos < len) {
        r.tag(len);
        if (samplesField === 2 && r.field === 1) {
          r.expect(WT_VARINT);
          r.varint64(len);
          seqLo = r.lo >>> 0;
          seqHi = r.hi;
          continue;
        }
        if (r.field !== samplesField) {
          r.skip(len, RECURSION_LIMIT - 1);
          continue;
        }
        r.expect(WT_LEN);
        const end = r.lenEnd(len);
        let app = '';
        let instanceId = 0;
        let metricType = 0;
        const time: Time = { sec: undefined, nanos: 0 };
        let value = 0;
        let labels: Record<string, string> | null = null;
        let nLabels = 0;
        let unit = '';
        let level = 0;
        while (r.pos < end) {
          r.tag(end);
          switch (r.field as number) {
            case 1:
              r.expect(WT_LEN);
              app = cachedString(end, 'app');
              break;
            case 2:
              r.expect(WT_VARINT);
              r.varint64(end);
              instanceId = int32Range(r);
              break;
            case 3:
              r.expect(WT_VARINT);
              metricType = r.uint32(end) | 0;
              break;
            case 4:
              r.expect(WT_LEN);
              readTime(r, r.lenEnd(end), time);
              break;
            case 5:
              r.expect(WT_64);
              if (r.pos + 8 > end) throw malformed('truncated double');
              value = body.readDoubleLE(r.pos);
              r.pos += 8;
              break;
            case 6:
              r.expect(WT_LEN);
              labels ??= {};
              if (readLabel(r, r.lenEnd(end), labels) && ++nLabels > MAX_LABELS) {
                throw invalidArgument(
                  `samples[${i}].labels`,
                  `must have at most ${MAX_LABELS} entries`,
                );
              }
              break;
            case 7:
              r.expect(WT_LEN);
              unit = cachedString(end, 'unit');
              break;
            case 8:
              r.expect(WT_VARINT);
              level = r.uint32(end) | 0;
              break;
            default:
              r.skip(end, RECURSION_LIMIT - 2);
          }
        }
        enc.add(i, app, instanceId, metricType, time.sec, time.nanos, value, labels, unit, level);
        i++;
      }
      if (seqHi < 0) throw invalidArgument('sequence', 'must be >= 0');
    },
  );
  return { ...result, sequence: (BigInt(seqHi >>> 0) << 32n) | BigInt(seqLo) };
}
