import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './cluster.js';

/**
 * The body rows (cells trimmed) of the Markdown table that follows `marker` (an HTML comment) in
 * a repository file: what the docs tests check the code against. Throws when the marker is
 * missing, so a renamed or deleted table fails loudly instead of checking nothing.
 */
export function markdownTable(file: string, marker: string): string[][] {
  const text = readFileSync(join(REPO, file), 'utf8');
  const start = text.indexOf(marker);
  if (start < 0) throw new Error(`${file} has no ${marker} marker`);
  const rows: string[][] = [];
  // Skip the marker line, the header row and the |---| separator.
  for (const line of text.slice(start).split('\n').slice(3)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}
