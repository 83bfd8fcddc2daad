/**
 * Random, boundary and mutated request bodies for any method, generated
 * from its protobuf-es descriptor by reflection, so a new RPC or field is
 * fuzzed without anyone listing it here.
 */
import { create, type DescField, type DescMessage, ScalarType, toBinary } from '@bufbuild/protobuf';
import { mutate, type Rng } from '../../test/support/protobuf-fuzz.js';

const MB = 1 << 20;

/** Hostile strings: NUL, surrogate pairs a truncation would split, limits, 1 MB, injection. */
export function stringPool(knownNames: readonly string[]): string[] {
  return [
    '',
    'a',
    ...knownNames,
    'x'.repeat(63),
    'x'.repeat(64),
    'x'.repeat(256),
    '\u0000',
    'app\u0000name',
    `${'x'.repeat(62)}😀`,
    '😀'.repeat(40),
    'ü'.repeat(130),
    '\u202e\u200b\ufeff',
    "'; DROP TABLE applications; --",
    '%s%n%x',
    '../../etc/passwd',
    '-1',
    '9999999999999999999999',
    '2026-01-01T00:00:00Z',
    'UPPER_Case.dots',
    ' leading space',
    'tab\there',
    'new\nline',
  ];
}

export interface GenOptions {
  strings: string[];
  /** Largest element count of a repeated or map field. */
  maxItems: number;
}

const INT32 = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 100, 65535, 65536];
const INT64 = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 86_400n];
const UINT32 = [0, 1, 2 ** 32 - 1, 100];
const UINT64 = [0n, 1n, 2n ** 64n - 1n];
const DOUBLE = [0, -0, 1, -1, 0.5, 1e308, -1e308, Number.NaN, Number.POSITIVE_INFINITY, 100, 101];

function scalar(rnd: Rng, t: ScalarType, o: GenOptions, big: { used: boolean }): unknown {
  switch (t) {
    case ScalarType.STRING: {
      if (!big.used && rnd.chance(0.01)) {
        big.used = true;
        return 'x'.repeat(MB);
      }
      return rnd.chance(0.8)
        ? rnd.pick(o.strings)
        : String.fromCodePoint(...Array.from({ length: rnd.int(20) }, () => 32 + rnd.int(0x2ff)));
    }
    case ScalarType.BYTES:
      return Uint8Array.from({ length: rnd.int(64) }, () => rnd.int(256));
    case ScalarType.BOOL:
      return rnd.chance(0.5);
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return rnd.chance(0.7) ? rnd.pick(DOUBLE) : (rnd.next() - 0.5) * 10 ** rnd.int(12);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return rnd.chance(0.7) ? rnd.pick(INT64) : BigInt(rnd.int(1_000_000)) - 1000n;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return rnd.pick(UINT64);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return rnd.pick(UINT32);
    default:
      return rnd.chance(0.7) ? rnd.pick(INT32) : rnd.int(2000) - 100;
  }
}

function count(rnd: Rng, o: GenOptions): number {
  const r = rnd.next();
  return r < 0.3 ? 0 : r < 0.6 ? 1 : r < 0.9 ? 2 + rnd.int(5) : rnd.int(o.maxItems + 1);
}

function value(
  rnd: Rng,
  f: DescField,
  o: GenOptions,
  depth: number,
  big: { used: boolean },
): unknown {
  const enumValue = (values: readonly { number: number }[]) =>
    rnd.chance(0.85) ? rnd.pick(values).number : rnd.pick([-1, 99, 2 ** 31 - 1]);
  switch (f.fieldKind) {
    case 'scalar':
      return scalar(rnd, f.scalar, o, big);
    case 'enum':
      return enumValue(f.enum.values);
    case 'message':
      return depth > 4 ? undefined : message(rnd, f.message, o, depth + 1, big);
    case 'list': {
      const n = count(rnd, o);
      return Array.from({ length: f.listKind === 'message' ? Math.min(n, 50) : n }, () =>
        f.listKind === 'scalar'
          ? scalar(rnd, f.scalar, o, big)
          : f.listKind === 'enum'
            ? enumValue(f.enum.values)
            : message(rnd, f.message, o, depth + 1, big),
      );
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (let n = count(rnd, o); n > 0; n--) {
        const k = String(scalar(rnd, f.mapKey, o, big));
        out[k] =
          f.mapKind === 'scalar'
            ? scalar(rnd, f.scalar, o, big)
            : f.mapKind === 'enum'
              ? enumValue(f.enum.values)
              : message(rnd, f.message, o, depth + 1, big);
      }
      return out;
    }
  }
}

/** A random message init for `desc` (fields present or not, oneofs picked). */
export function message(
  rnd: Rng,
  desc: DescMessage,
  o: GenOptions,
  depth = 0,
  big = { used: false },
): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const f of desc.fields) {
    if (f.oneof || rnd.chance(0.25)) continue;
    const v = value(rnd, f, o, depth, big);
    if (v !== undefined) init[f.localName] = v;
  }
  for (const oneof of desc.oneofs) {
    if (rnd.chance(0.3)) continue;
    const f = rnd.pick(oneof.fields);
    const v = value(rnd, f, o, depth, big);
    if (v !== undefined) init[oneof.localName] = { case: f.localName, value: v };
  }
  return init;
}

export type BodyKind = 'random' | 'mutated' | 'garbage' | 'empty';

/** One request body: a random valid message (most), a mutation of one, raw garbage, or empty. */
export function body(
  rnd: Rng,
  desc: DescMessage,
  o: GenOptions,
): { kind: BodyKind; bytes: Buffer } {
  const r = rnd.next();
  if (r < 0.05) return { kind: 'empty', bytes: Buffer.alloc(0) };
  if (r < 0.15) {
    return {
      kind: 'garbage',
      bytes: Buffer.from(Array.from({ length: rnd.int(300) }, () => rnd.int(256))),
    };
  }
  let bytes: Uint8Array;
  try {
    bytes = toBinary(desc, create(desc, message(rnd, desc, o) as never));
  } catch {
    bytes = new Uint8Array(0);
  }
  if (r < 0.35) {
    let m = bytes;
    for (let k = 1 + rnd.int(3); k > 0; k--) m = mutate(rnd, m);
    return { kind: 'mutated', bytes: Buffer.from(m) };
  }
  return { kind: 'random', bytes: Buffer.from(bytes) };
}
