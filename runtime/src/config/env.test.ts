import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  readBool,
  readDurationMs,
  readEnum,
  readInt,
  readPort,
  readPostgresUrl,
  readString,
} from './env.js';

describe('env readers', () => {
  it('use the fallback when unset or blank', () => {
    expect(readPort({}, 'P', 50051)).toBe(50051);
    expect(readPort({ P: '  ' }, 'P', 50051)).toBe(50051);
    expect(readBool({}, 'B', true)).toBe(true);
    expect(readDurationMs({}, 'D', 1500)).toBe(1500);
  });

  it('parse valid values', () => {
    expect(readPort({ P: '8080' }, 'P', 1)).toBe(8080);
    expect(readInt({ N: '-3' }, 'N', 0, -5, 5)).toBe(-3);
    expect(readBool({ B: 'off' }, 'B', true)).toBe(false);
    expect(readDurationMs({ D: '2m' }, 'D', 0)).toBe(120_000);
    expect(readDurationMs({ D: '250ms' }, 'D', 0)).toBe(250);
    expect(readDurationMs({ D: '1.5s' }, 'D', 0)).toBe(1500);
    expect(readEnum({ L: 'debug' }, 'L', ['info', 'debug'] as const, 'info')).toBe('debug');
  });

  it('name the variable in every error', () => {
    const cases: [() => unknown, string][] = [
      [() => readPort({ MY_PORT: 'abc' }, 'MY_PORT', 1), 'MY_PORT'],
      [() => readPort({ MY_PORT: '70000' }, 'MY_PORT', 1), 'MY_PORT'],
      [() => readPort({ MY_PORT: '0' }, 'MY_PORT', 1), 'MY_PORT'],
      [() => readBool({ FLAG: 'maybe' }, 'FLAG', false), 'FLAG'],
      [() => readDurationMs({ WAIT: '5 parsecs' }, 'WAIT', 0), 'WAIT'],
      [() => readEnum({ LEVEL: 'loud' }, 'LEVEL', ['info'] as const, 'info'), 'LEVEL'],
      [() => readString({}, 'NEEDED'), 'NEEDED'],
      [() => readPostgresUrl({ DB: 'mysql://x' }, 'DB'), 'DB'],
      [() => readPostgresUrl({ DB: 'not a url' }, 'DB'), 'DB'],
    ];
    for (const [fn, variable] of cases) {
      expect(fn).toThrow(ConfigError);
      expect(fn).toThrow(new RegExp(`^${variable}: `));
    }
  });

  it('allow port 0 only when asked', () => {
    expect(readPort({ P: '0' }, 'P', 1, true)).toBe(0);
  });
});
