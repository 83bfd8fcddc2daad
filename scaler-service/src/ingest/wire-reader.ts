import { isUtf8 } from 'node:buffer';
import { invalidArgument } from '@autoserve/runtime';

/**
 * Protobuf wire primitives for the hand-written ingest decoder, following
 * the encoding spec the way protobuf-es reads it (tags, 32-bit truncation,
 * 10-byte varints, groups skipped as unknown), and stricter where
 * protobuf-es is laxer than the spec and Go's protobuf: nothing may run past
 * the end of the message that contains it, a varint is at most 10 bytes, and
 * a known field must carry its declared wire type (protobuf-es would read it
 * as the declared type, Go would skip it: rejecting stores neither reading).
 */

/** The one error of a body that is not a valid encoding of the request. */
export const malformed = (why: string) => invalidArgument('samples', `malformed request: ${why}`);

/** Nesting budget for groups inside unknown fields, like protobuf-es' recursion limit. */
export const RECURSION_LIMIT = 100;

export const WT_VARINT = 0;
export const WT_64 = 1;
export const WT_LEN = 2;
export const WT_START_GROUP = 3;
export const WT_END_GROUP = 4;
export const WT_32 = 5;

export class Reader {
  pos = 0;
  /** Low and high 32 bits of the last `varint64` (hi as int32: sign bit = negative int64). */
  lo = 0;
  hi = 0;
  /** The field number and wire type of the last `tag`. */
  field = 0;
  wireType = 0;

  constructor(readonly buf: Buffer) {}

  /** A varint truncated to its low 32 bits (lengths, tags, int32 and enums). */
  uint32(end: number): number {
    this.varint64(end);
    return this.lo >>> 0;
  }

  /** A varint of at most 10 bytes ending before `end`, into `lo`/`hi`. */
  varint64(end: number): void {
    const b = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw malformed('truncated varint');
      const byte = b[pos++]!;
      if (i < 4) lo |= (byte & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi = (byte & 0x70) >> 4;
      } else hi |= (byte & 0x7f) << (7 * i - 32);
      if ((byte & 0x80) === 0) {
        this.pos = pos;
        this.lo = lo;
        this.hi = hi;
        return;
      }
    }
    throw malformed('varint longer than 10 bytes');
  }

  /** A tag: field number 1..2^29-1 and wire type 0..5, as protobuf-es accepts them. */
  tag(end: number): void {
    const start = this.pos;
    const t = this.uint32(end);
    const n = this.pos - start;
    if (n > 5 || (n === 5 && this.buf[this.pos - 1]! > 0x0f))
      throw malformed('tag overflows 32 bits');
    this.field = t >>> 3;
    this.wireType = t & 7;
    if (this.field === 0 || this.wireType > 5) throw malformed('invalid tag');
  }

  /** End offset of a length-delimited field that must end by `end`. */
  lenEnd(end: number): number {
    const n = this.uint32(end);
    if (n > end - this.pos) throw malformed('length past the end of its message');
    return this.pos + n;
  }

  /** A UTF-8 string field (invalid UTF-8 rejected, as proto3 requires). */
  string(end: number): string {
    const e = this.lenEnd(end);
    const s = this.utf8(this.pos, e);
    this.pos = e;
    return s;
  }

  utf8(start: number, e: number): string {
    const b = this.buf;
    // Short ASCII strings (most keys, units, app names) skip the native call and its subarray.
    let ascii = e - start <= 32;
    for (let p = start; ascii && p < e; p++) ascii = b[p]! < 0x80;
    if (!ascii && !isUtf8(b.subarray(start, e))) throw malformed('invalid UTF-8 in a string field');
    return b.toString('utf8', start, e);
  }

  /** Skips an unknown field (groups included, nested up to `budget`). */
  skip(end: number, budget: number): void {
    const wt = this.wireType;
    if (wt === WT_VARINT) this.varint64(end);
    else if (wt === WT_64 || wt === WT_32) {
      const n = wt === WT_64 ? 8 : 4;
      if (this.pos + n > end) throw malformed('truncated fixed-width field');
      this.pos += n;
    } else if (wt === WT_LEN) this.pos = this.lenEnd(end);
    else if (wt === WT_START_GROUP) {
      if (budget <= 0) throw malformed('groups nested too deep');
      const field = this.field;
      for (;;) {
        this.tag(end);
        if (this.wireType === WT_END_GROUP) {
          if (this.field !== field) throw malformed('unmatched end-group tag');
          return;
        }
        this.skip(end, budget - 1);
      }
    } else throw malformed('unexpected end-group tag');
  }

  /** Fails unless the last tag has the wire type its known field declares. */
  expect(wireType: number): void {
    if (this.wireType !== wireType) {
      throw malformed(`field ${this.field} has wire type ${this.wireType}, expected ${wireType}`);
    }
  }
}

/** An int64 as a JS number: -1 when negative, else exact up to 2^53 (rounded above). */
export function nonNegative(r: Reader): number {
  return r.hi < 0 ? -1 : r.hi * 4_294_967_296 + (r.lo >>> 0);
}

/** An int64 as a non-negative int32, or -1 when outside 0..2^31-1. */
export function int32Range(r: Reader): number {
  return r.hi === 0 && r.lo >= 0 ? r.lo : -1;
}
