/**
 * Helpers that read one environment variable each. Service configs are pure
 * functions of the environment built from these, so a wrong value stops the
 * service with a message naming the variable instead of failing later.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** A configuration error; the message names the variable and what it expects. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** What a reader knows of a variable: its kind and its default (undefined: none / required). */
export interface ConfigRead {
  kind: 'string' | 'optional' | 'int' | 'number' | 'bool' | 'enum' | 'duration' | 'url';
  fallback: unknown;
}

const RECORDER = Symbol('config reads');

/**
 * An environment that remembers every variable a loader read, with its kind and default. The
 * README's configuration table is checked against it, so the documented defaults are the ones in
 * code (they drifted once: 2000 in code, 10000 in the README).
 */
export function recordingEnv(values: Record<string, string>): {
  env: Env;
  reads: ReadonlyMap<string, ConfigRead>;
} {
  const reads = new Map<string, ConfigRead>();
  return { env: Object.assign(Object.create(null), values, { [RECORDER]: reads }), reads };
}

function note(env: Env, name: string, kind: ConfigRead['kind'], fallback: unknown): void {
  const reads = (env as { [RECORDER]?: Map<string, ConfigRead> })[RECORDER];
  if (reads && !reads.has(name)) reads.set(name, { kind, fallback });
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A string; `fallback` when unset, ConfigError when unset without one. */
export function readString(env: Env, name: string, fallback?: string): string {
  note(env, name, 'string', fallback);
  const value = raw(env, name) ?? fallback;
  if (value === undefined) throw new ConfigError(name, 'is required');
  return value;
}

/** An optional string (undefined when unset or empty). */
export function readOptional(env: Env, name: string): string | undefined {
  note(env, name, 'optional', undefined);
  return raw(env, name);
}

/** An integer within [min, max]. */
export function readInt(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  note(env, name, 'int', fallback);
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `expected an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `expected ${min}..${max}, got ${n}`);
  return n;
}

/** A TCP port (1..65535; 0 allowed when `allowZero`, meaning "pick a free one"). */
export function readPort(env: Env, name: string, fallback: number, allowZero = false): number {
  return readInt(env, name, fallback, allowZero ? 0 : 1, 65535);
}

/** A number within [min, max]. */
export function readNumber(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  note(env, name, 'number', fallback);
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError(name, `expected a number, got "${value}"`);
  if (n < min || n > max) throw new ConfigError(name, `expected ${min}..${max}, got ${n}`);
  return n;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** A boolean: 1/true/yes/on or 0/false/no/off. */
export function readBool(env: Env, name: string, fallback: boolean): boolean {
  note(env, name, 'bool', fallback);
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new ConfigError(name, `expected true or false, got "${value}"`);
}

/** One of a fixed set of values. */
export function readEnum<T extends string>(
  env: Env,
  name: string,
  values: readonly T[],
  fallback: T,
): T {
  note(env, name, 'enum', fallback);
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(values as readonly string[]).includes(value)) {
    throw new ConfigError(name, `expected one of ${values.join(', ')}, got "${value}"`);
  }
  return value as T;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration such as "500ms", "5s", "2m", "1h" or a bare number of milliseconds. */
export function readDurationMs(
  env: Env,
  name: string,
  fallbackMs: number,
  minMs = 0,
  maxMs = 86_400_000,
): number {
  note(env, name, 'duration', fallbackMs);
  const value = raw(env, name);
  if (value === undefined) return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  if (!match) throw new ConfigError(name, `expected a duration like 500ms, 5s, 2m, got "${value}"`);
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
  if (ms < minMs || ms > maxMs) {
    throw new ConfigError(name, `expected ${minMs}ms..${maxMs}ms, got ${ms}ms`);
  }
  return ms;
}

/** A postgres:// or postgresql:// URL. */
export function readPostgresUrl(env: Env, name: string, fallback?: string): string {
  note(env, name, 'url', fallback);
  const value = readString(env, name, fallback);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, 'expected a postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `expected a postgres:// URL, got protocol "${url.protocol}"`);
  }
  return value;
}
