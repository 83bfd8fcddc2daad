import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/** A seeded PRNG (mulberry32): a failing case is replayed from its seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}
export type Rng = ReturnType<typeof prng>;

/**
 * One random mutation of an encoded message: a bit flip, truncation, a
 * deleted or duplicated range, inserted garbage or a boundary byte.
 */
export function mutate(rnd: Rng, input: Uint8Array): Uint8Array {
  const b = Array.from(input);
  const at = () => rnd.int(b.length + 1);
  switch (rnd.int(6)) {
    case 0:
      if (b.length) b[rnd.int(b.length)]! ^= 1 << rnd.int(8);
      break;
    case 1:
      b.length = at();
      break;
    case 2: {
      const s = at();
      b.splice(s, 1 + rnd.int(8));
      break;
    }
    case 3: {
      const s = at();
      const e = Math.min(b.length, s + 1 + rnd.int(32));
      b.splice(at(), 0, ...b.slice(s, e));
      break;
    }
    case 4:
      b.splice(at(), 0, ...Array.from({ length: 1 + rnd.int(6) }, () => rnd.int(256)));
      break;
    default:
      if (b.length) b[rnd.int(b.length)] = rnd.pick([0x00, 0x7f, 0x80, 0xff, 0x0f, 0x10]);
  }
  return Uint8Array.from(b);
}

function wireTypeOf(scalar: ScalarType): WireType {
  switch (scalar) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    default:
      return WireType.Varint;
  }
}

/** Wire type a field's records must carry (undefined: either, for packable lists). */
function expectedWireType(f: DescField): WireType | undefined {
  if (f.fieldKind === 'scalar') return wireTypeOf(f.scalar);
  if (f.fieldKind === 'enum') return WireType.Varint;
  if (f.fieldKind === 'list' && f.listKind !== 'message') {
    const wt = f.listKind === 'enum' ? WireType.Varint : wireTypeOf(f.scalar);
    return wt === WireType.LengthDelimited ? wt : undefined;
  }
  return WireType.LengthDelimited;
}

/**
 * Where a body breaks the encoding spec in ways protobuf-es' `fromBinary`
 * lets through (it reads on past the end of a nested message, reads a
 * known field as its declared type whatever its wire type, and skips
 * varints of any length): the reason, or undefined when the body is
 * strictly well-formed for `desc`. Together with `fromBinary` this is the
 * oracle of the differential tests: a decoder must reject what either
 * rejects. Written against the descriptors, so it knows nothing of the
 * hand decoder it judges.
 */
export function strictViolation(desc: DescMessage, bytes: Uint8Array): string | undefined {
  const r = new BinaryReader(bytes);
  try {
    return walk(desc, r, bytes.length);
  } catch (err) {
    return (err as Error).message;
  }
}

/** What a record of field `no` must look like: its wire type, and the message inside, if any. */
type Shape = {
  wt: WireType | undefined;
  message?: DescMessage;
  map?: DescField & { fieldKind: 'map' };
};

function shapeOf(desc: DescMessage | DescField, no: number): Shape | undefined {
  if (desc.kind === 'message') {
    const f = desc.fields.find((x) => x.number === no);
    if (!f) return undefined;
    if (f.fieldKind === 'map') return { wt: WireType.LengthDelimited, map: f };
    const message =
      f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message')
        ? f.message
        : undefined;
    return { wt: expectedWireType(f), ...(message ? { message } : {}) };
  }
  if (desc.fieldKind !== 'map' || (no !== 1 && no !== 2)) return undefined;
  if (no === 1) return { wt: wireTypeOf(desc.mapKey) };
  if (desc.mapKind === 'message') return { wt: WireType.LengthDelimited, message: desc.message };
  return { wt: desc.mapKind === 'enum' ? WireType.Varint : wireTypeOf(desc.scalar) };
}

/** Walks one message (or map entry, `desc` being the map field) ending at `end`. */
function walk(desc: DescMessage | DescField, r: BinaryReader, end: number): string | undefined {
  while (r.pos < end) {
    const [no, wt] = r.tag();
    if (r.pos > end) return 'tag past the end';
    const shape = shapeOf(desc, no);
    if (shape?.wt !== undefined && wt !== shape.wt) return `field ${no}: wire type ${wt}`;
    const child = shape?.message ?? shape?.map;
    if (child) {
      const len = r.uint32();
      if (r.pos + len > end) return 'length past the end';
      const bad = walk(child, r, r.pos + len);
      if (bad) return bad;
      continue;
    }
    const start = r.pos;
    r.skip(wt, no);
    if (wt === WireType.Varint && r.pos - start > 10) return 'varint longer than 10 bytes';
    if (r.pos > end) return 'field past the end of its message';
  }
  return r.pos === end ? undefined : 'overran its message';
}
