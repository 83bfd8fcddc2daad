/**
 * Turns the services' pino JSON lines into short readable lines for a
 * terminal ("12:00:01 scaler  INFO serving gRPC port=50052"). Lines that are
 * not JSON pass through unchanged.
 */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const COLORS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
// Fields every line has; printing them would only add noise.
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'name']);

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

export function formatLogLine(service: string, line: string, color: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${service.padEnd(7)} ${line}`;
  }
  if (typeof rec !== 'object' || rec === null) return `${service.padEnd(7)} ${line}`;
  const level = Number(rec.level ?? 30);
  const time = typeof rec.time === 'string' ? rec.time.slice(11, 19) : '';
  const fields = Object.entries(rec)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) =>
      k === 'err' && typeof v === 'object' && v
        ? `err=${value((v as { message?: unknown }).message)}`
        : `${k}=${value(v)}`,
    )
    .join(' ');
  const tag = LEVELS[level] ?? String(level);
  const paint =
    color && COLORS[level] ? (s: string) => `${COLORS[level]}${s}\x1b[0m` : (s: string) => s;
  return `${time} ${service.padEnd(7)} ${paint(tag)} ${String(rec.msg ?? '')}${fields ? ` ${fields}` : ''}`;
}
