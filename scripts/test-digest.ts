/**
 * Prints a short digest of a failed vitest run's log: each failed test with its first error line
 * and location, and each unhandled error with its message, first own stack frames and the file it
 * was running in. CI readers often see only the last lines of the output, while vitest prints an
 * unhandled error's message far above its summary.
 *
 * Usage: node --import tsx scripts/test-digest.ts <log>
 */
import { readFileSync } from 'node:fs';

const MAX_LINES = 30;
const MAX_WIDTH = 240;
/**
 * Vitest's banners of errors outside tests: its "Unhandled Errors" section, then one banner per
 * error naming its kind (an uncaught exception is "Uncaught Exception", whose message used to be
 * skipped as if it were part of the section's preamble).
 */
const UNHANDLED = /Unhandled (Error|Rejection)|Uncaught Exception|Teardown Error|Test Run Error/;

// CSI sequences (colours) that vitest writes even into a pipe when FORCE_COLOR is set.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');

export function digest(text: string): string[] {
  const lines = text.replace(ANSI, '').split('\n');
  const out: string[] = [];
  const isSeparator = (l: string) => /^[\s⎯─-]*$/.test(l) || /^\s*\[\d+\/\d+\]/.test(l);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const failed = /^\s*FAIL\s/.test(line);
    const unhandled = UNHANDLED.test(line);
    if (!failed && !unhandled) continue;
    out.push(line.trim());
    let frames = 0;
    let message = false;
    for (let j = i + 1; j < lines.length && j < i + 40; j++) {
      const l = lines[j]!.trim();
      if (/^\s*FAIL\s/.test(l) || UNHANDLED.test(l)) break;
      if (isSeparator(l)) continue;
      if (!message) {
        out.push(`  ${l}`);
        message = true;
      } else if ((l.startsWith('❯') || l.startsWith('at ')) && !l.includes('node_modules')) {
        if (frames++ < 3) out.push(`  ${l}`);
      } else if (l.startsWith('This error originated in') || l.startsWith('The latest test')) {
        out.push(`  ${l}`);
      }
    }
  }
  const summary = lines.filter((l) => /^\s*(Test Files|Tests|Errors)\s/.test(l));
  return [...out.slice(0, MAX_LINES), ...summary.map((l) => l.trim())].map((l) =>
    l.length > MAX_WIDTH ? `${l.slice(0, MAX_WIDTH)}…` : l,
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: test-digest <log>');
    process.exit(2);
  }
  for (const l of digest(readFileSync(file, 'utf8'))) console.log(l);
}
