import { invalidArgument } from '@autoserve/runtime';
import {
  BatchEncoder,
  type BatchRules,
  type EncodedBatch,
  type Interner,
} from './batch-encoder.js';
import { runPass } from './encode-batch.js';

/**
 * A hand-written protobuf decoder for the ingest requests (IngestMetrics,
 * StreamMetrics: samples = 1; StreamMetricsAcked: sequence = 1,
 * samples = 2) that feeds each MetricSample straight into the COPY encoder.
 * Reflective decoding built a message object per sample and cost several
 * times the rest of the ingest path; this reads the fields in place.
 * Unknown fields are skipped, as protobuf requires.
 */

const malformed = () => invalidArgument('samples', 'malformed request');
const TWO_32 = 4_294_967_296;

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }

  /** A varint as a number; -1 for negative (10-byte) or beyond 2^53 values. */
  varint(): number {
    const b = this.buf;
    let lo = 0;
    let shift = 0;
    let byte: number;
    // Low 28 bits with bit ops, the rest with multiplication (no 32-bit overflow).
    do {
      if (this.pos >= b.length) throw malformed();
      byte = b[this.pos++]!;
      if (shift < 28) lo |= (byte & 0x7f) << shift;
      else lo += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 70) throw malformed();
    } while (byte & 0x80);
    return shift > 63 || lo > Number.MAX_SAFE_INTEGER ? -1 : lo;
  }

  /** End offset of a length-delimited field starting here. */
  lenEnd(end: number): number {
    const n = this.varint();
    if (n < 0 || this.pos + n > end) throw malformed();
    return this.pos + n;
  }

  skip(wireType: number, end: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.pos = this.lenEnd(end);
    else if (wireType === 5) this.pos += 4;
    else throw malformed();
    if (this.pos > end) throw malformed();
  }
}

function tagOf(r: Reader): [number, number] {
  const tag = r.varint();
  if (tag < 0) throw malformed();
  return [Math.floor(tag / 8), tag % 8];
}

/** Decodes + encodes one request body; `sequenceField` is 1 for StreamMetricsAcked. */
export function encodeWire(
  body: Buffer,
  rules: BatchRules,
  interner: Interner,
  samplesField: 1 | 2,
): EncodedBatch & { sequence: number } {
  const r = new Reader(body, 0);
  const enc = new BatchEncoder(Math.ceil(body.length / 40), rules, interner);
  let i = 0;
  let sequence = 0;
  let prevApp = '';
  let prevAppStart = -1;
  let prevAppLen = -1;
  let prevUnit = '';
  let prevUnitStart = -1;
  let prevUnitLen = -1;
  const result = runPass(
    enc,
    () => i,
    () => {
      while (r.pos < body.length) {
        const [field, wt] = tagOf(r);
        if (samplesField === 2 && field === 1 && wt === 0) {
          sequence = r.varint();
          if (sequence < 0) throw invalidArgument('sequence', 'must be >= 0');
          continue;
        }
        if (field !== samplesField || wt !== 2) {
          r.skip(wt, body.length);
          continue;
        }
        const end = r.lenEnd(body.length);
        let app = '';
        let instanceId = 0;
        let metricType = 0;
        let timeSec: number | undefined;
        let timeNanos = 0;
        let value = 0;
        let labels: Record<string, string> | null = null;
        let unit = '';
        let level = 0;
        while (r.pos < end) {
          const [f, w] = tagOf(r);
          if (f === 1 && w === 2) {
            const e = r.lenEnd(end);
            const n = e - r.pos;
            // Consecutive samples usually share the app: compare bytes before decoding.
            if (
              n !== prevAppLen ||
              body.compare(body, prevAppStart, prevAppStart + n, r.pos, e) !== 0
            ) {
              prevApp = body.toString('utf8', r.pos, e);
              prevAppStart = r.pos;
              prevAppLen = n;
            }
            app = prevApp;
            r.pos = e;
          } else if (f === 2 && w === 0) instanceId = r.varint();
          else if (f === 3 && w === 0) metricType = r.varint();
          else if (f === 4 && w === 2) {
            const e = r.lenEnd(end);
            timeSec = 0;
            timeNanos = 0;
            while (r.pos < e) {
              const [tf, tw] = tagOf(r);
              if (tf === 1 && tw === 0) timeSec = r.varint();
              else if (tf === 2 && tw === 0) {
                const n = r.varint();
                timeNanos = n < 0 || n >= TWO_32 ? -1 : n;
              } else r.skip(tw, e);
            }
          } else if (f === 5 && w === 1) {
            if (r.pos + 8 > end) throw malformed();
            value = body.readDoubleLE(r.pos);
            r.pos += 8;
          } else if (f === 6 && w === 2) {
            const e = r.lenEnd(end);
            let key = '';
            let val = '';
            while (r.pos < e) {
              const [mf, mw] = tagOf(r);
              if ((mf === 1 || mf === 2) && mw === 2) {
                const se = r.lenEnd(e);
                const s = body.toString('utf8', r.pos, se);
                if (mf === 1) key = s;
                else val = s;
                r.pos = se;
              } else r.skip(mw, e);
            }
            labels ??= {};
            labels[key] = val;
          } else if (f === 7 && w === 2) {
            const e = r.lenEnd(end);
            const n = e - r.pos;
            if (
              n !== prevUnitLen ||
              body.compare(body, prevUnitStart, prevUnitStart + n, r.pos, e) !== 0
            ) {
              prevUnit = body.toString('utf8', r.pos, e);
              prevUnitStart = r.pos;
              prevUnitLen = n;
            }
            unit = prevUnit;
            r.pos = e;
          } else if (f === 8 && w === 0) level = r.varint();
          else r.skip(w, end);
        }
        if (r.pos !== end) throw malformed();
        enc.add(i, app, instanceId, metricType, timeSec, timeNanos, value, labels, unit, level);
        i++;
      }
    },
  );
  return { ...result, sequence };
}
