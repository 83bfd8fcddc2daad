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
    expect(idOf('9007199254740993', 'id')).toBe(9007199254740993n);
    expect(idOf(42, 'id')).toBe(42n);
    expect(idOf(null, 'id')).toBe(0n);
  });

  it('refuse an id that no int8 column produces, naming the column', () => {
    expect(() => idOf('12abc', 'id')).toThrow(RowShapeError);
    expect(() => idOf(1.5, 'id')).toThrow(/row column id: expected an integer id/);
    expect(() => idOf({ a: 1 }, 'id')).toThrow(RowShapeError);
  });

  it('map NULL to the proto3 zero values', () => {
    expect(textOf(null, 'v')).toBe('');
    expect(numberOf(null, 'v')).toBe(0);
    expect(boolOf(null, 'v')).toBe(false);
    expect(timeOf(null, 'v')).toBeUndefined();
    expect(stringsOf(null, 'v')).toEqual([]);
    expect(jsonObjectOf(null, 'v')).toBeUndefined();
    expect(enumOf(null, 'v', priorityCodec)).toBe(0);
  });

  it('read numeric text (numeric, int8 aggregates) as numbers and refuse other text', () => {
    expect(numberOf('0.25', 'n')).toBe(0.25);
    expect(() => numberOf('fast', 'n')).toThrow(RowShapeError);
    expect(() => numberOf('', 'n')).toThrow(RowShapeError);
  });

  it('refuse values of the wrong type instead of mapping them to zero values', () => {
    expect(() => textOf(5, 't')).toThrow(RowShapeError);
    expect(() => boolOf('true', 'b')).toThrow(RowShapeError);
    expect(() => stringsOf('a', 's')).toThrow(RowShapeError);
    expect(() => enumOf(1, 'e', priorityCodec)).toThrow(RowShapeError);
    expect(() => timeOf('not a time', 't')).toThrow(RowShapeError);
    expect(() => timeOf(17, 't')).toThrow(RowShapeError);
  });

  it('read a timestamptz as a Date (ms) or to_jsonb text (us) alike', () => {
    const d = new Date('2026-01-02T03:04:05.678Z');
    expect(timeOf(d, 't')).toEqual({ seconds: 1767323045n, nanos: 678_000_000 });
    expect(timeOf('2026-01-02T03:04:05.678901+00:00', 't')).toEqual({
      seconds: 1767323045n,
      nanos: 678_901_000,
    });
  });

  it('map only a jsonb object to a Struct; arrays and scalars read as unset', () => {
    expect(jsonObjectOf({ a: 1 }, 'j')).toEqual({ a: 1 });
    expect(jsonObjectOf([1], 'j')).toBeUndefined();
    expect(jsonObjectOf(3, 'j')).toBeUndefined();
  });

  it('keep non-string label values as their JSON text', () => {
    expect(labelsOf({ a: 'x', b: 2, c: { d: true } }, 'l')).toEqual({
      a: 'x',
      b: '2',
      c: '{"d":true}',
    });
  });
});
