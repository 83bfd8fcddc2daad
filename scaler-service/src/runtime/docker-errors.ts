import { RuntimeError } from './types.js';

interface DockerishError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string };
}

const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EACCES',
]);

/** Maps a dockerode failure to a RuntimeError: a classified message, the engine's text as detail. */
export function dockerError(err: unknown, what: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = (err ?? {}) as DockerishError;
  const detail = String(e.json?.message ?? e.message ?? err);
  const opts = { cause: err, detail };
  if (e.code && DOWN_CODES.has(e.code)) {
    return new RuntimeError(
      'engine_down',
      `docker engine unreachable (${e.code}) during ${what}`,
      opts,
    );
  }
  if (e.statusCode === 404 && /image/i.test(detail)) {
    return new RuntimeError('image_missing', 'image not found on the docker engine', opts);
  }
  if (/address already in use/i.test(detail)) {
    return new RuntimeError('port_in_use', 'port in use', opts);
  }
  if (e.statusCode === 400) {
    return new RuntimeError('invalid_spec', `docker rejected the spec during ${what}`, opts);
  }
  const status = e.statusCode ? ` (HTTP ${e.statusCode})` : '';
  return new RuntimeError('other', `docker ${what} failed${status}`, opts);
}

/** True for "no such container" (already gone). */
export function isNotFound(err: unknown): boolean {
  return (err as DockerishError | undefined)?.statusCode === 404;
}

/** Reads the reason of a crashed instance's log tail ("EADDRINUSE" names a port clash). */
export function crashCause(logTail: string): 'port_in_use' | undefined {
  return /EADDRINUSE|address already in use/i.test(logTail) ? 'port_in_use' : undefined;
}
