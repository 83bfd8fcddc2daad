/**
 * Progress for long operations: a redrawn bar when stdout is a TTY, a plain
 * line every `everyMs` otherwise (CI logs, pipes).
 */
export interface Progress {
  tick(n?: number): void;
  done(): void;
}

export function progress(
  label: string,
  total: number,
  options: { everyMs?: number; stream?: NodeJS.WriteStream } = {},
): Progress {
  const stream = options.stream ?? process.stdout;
  const everyMs = options.everyMs ?? 2000;
  const started = Date.now();
  let current = 0;
  let lastPrint = 0;
  const render = (final: boolean) => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = current / Math.max(elapsed, 1e-3);
    const pct = total > 0 ? Math.min(100, (current / total) * 100) : 100;
    const eta = rate > 0 ? Math.max(0, (total - current) / rate) : 0;
    const stats = `${current}/${total} ${pct.toFixed(1)}% ${rate.toFixed(0)}/s ${final ? `${elapsed.toFixed(1)}s` : `eta ${eta.toFixed(0)}s`}`;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${stats}${final ? '\n' : ''}`,
      );
    } else {
      stream.write(`${label}: ${stats}\n`);
    }
  };
  return {
    tick(n = 1) {
      current += n;
      const now = Date.now();
      if (stream.isTTY ? now - lastPrint > 100 : now - lastPrint > everyMs) {
        lastPrint = now;
        render(false);
      }
    },
    done() {
      render(true);
    },
  };
}
