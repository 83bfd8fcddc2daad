import { describe, expect, it } from 'vitest';
import {
  boolOf,
  enumOf,
  idOf,
  jsonObjectOf,
  labelsOf,
  numberOf,
  RowShapeError,
  stringsOf,
  textOf,
  timeOf,
} from './columns.js';
import { priorityCodec } from './enums.js';

describe('column readers', () => {
  it('read an int8 id from node-postgres text, to_jsonb numbers and NULL', () => {
    expect(idOf({ id: '9007199254740993' }, 'id')).toBe(9007199254740993n);
    expect(idOf({ id: 42 }, 'id')).toBe(42n);
    expect(idOf({ id: null }, 'id')).toBe(0n);
  });

  it('refuse an id that no int8 column produces, naming the column', () => {
    expect(() => idOf({ id: '12abc' }, 'id')).toThrow(RowShapeError);
    expect(() => idOf({ id: 1.5 }, 'id')).toThrow(/row column id: expected an integer id/);
    expect(() => idOf({ id: { a: 1 } }, 'id')).toThrow(RowShapeError);
  });

  it('map NULL to the proto3 zero values', () => {
    const row = { v: null };
    expect(textOf(row, 'v')).toBe('');
    expect(numberOf(row, 'v')).toBe(0);
    expect(boolOf(row, 'v')).toBe(false);
    expect(timeOf(row, 'v')).toBeUndefined();
    expect(stringsOf(row, 'v')).toEqual([]);
    expect(jsonObjectOf(row, 'v')).toBeUndefined();
    expect(enumOf(row, 'v', priorityCodec)).toBe(0);
  });

  it('read numeric text (numeric, int8 aggregates) as numbers and refuse other text', () => {
    expect(numberOf({ n: '0.25' }, 'n')).toBe(0.25);
    expect(() => numberOf({ n: 'fast' }, 'n')).toThrow(RowShapeError);
    expect(() => numberOf({ n: '' }, 'n')).toThrow(RowShapeError);
  });

  it('refuse values of the wrong type instead of mapping them to zero values', () => {
    expect(() => textOf({ t: 5 }, 't')).toThrow(RowShapeError);
    expect(() => boolOf({ b: 'true' }, 'b')).toThrow(RowShapeError);
    expect(() => stringsOf({ s: 'a' }, 's')).toThrow(RowShapeError);
    expect(() => enumOf({ e: 1 }, 'e', priorityCodec)).toThrow(RowShapeError);
    expect(() => timeOf({ t: 'not a time' }, 't')).toThrow(RowShapeError);
    expect(() => timeOf({ t: 17 }, 't')).toThrow(RowShapeError);
  });

  it('read a timestamptz as a Date (ms) or to_jsonb text (us) alike', () => {
    const d = new Date('2026-01-02T03:04:05.678Z');
    expect(timeOf({ t: d }, 't')).toEqual({ seconds: 1767323045n, nanos: 678_000_000 });
    expect(timeOf({ t: '2026-01-02T03:04:05.678901+00:00' }, 't')).toEqual({
      seconds: 1767323045n,
      nanos: 678_901_000,
    });
  });

  it('map only a jsonb object to a Struct; arrays and scalars read as unset', () => {
    expect(jsonObjectOf({ j: { a: 1 } }, 'j')).toEqual({ a: 1 });
    expect(jsonObjectOf({ j: [1] }, 'j')).toBeUndefined();
    expect(jsonObjectOf({ j: 3 }, 'j')).toBeUndefined();
  });

  it('keep non-string label values as their JSON text', () => {
    expect(labelsOf({ l: { a: 'x', b: 2, c: { d: true } } }, 'l')).toEqual({
      a: 'x',
      b: '2',
      c: '{"d":true}',
    });
  });
});
