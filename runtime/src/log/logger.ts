import { type Logger, pino } from 'pino';

export type { Logger };

/** The process logger: JSON lines on stdout, level from config. */
export function createLogger(options: { name: string; level: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    base: { service: options.name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Causes are logged in full but never sent to callers; keep stacks.
    serializers: { err: pino.stdSerializers.err },
  });
}
