import { loadConfig as loadContextConfig } from '@autoserve/context-service';
import { type ConfigRead, readBool, readDurationMs, recordingEnv } from '@autoserve/runtime';
import { loadConfig as loadScalerConfig } from '@autoserve/scaler-service';
import { describe, expect, it } from 'vitest';
import { markdownTable } from '../support/markdown.js';

/**
 * The README's configuration table against the config loaders: every variable a loader reads is
 * documented, every documented service variable is read, and a documented default that is a
 * plain value is the default in code.
 */

/** Variables whose default is computed at run time, so the table describes it in words. */
const PROSE_DEFAULTS = new Set([
  'SCALER_COPY_CONCURRENCY',
  'EMBEDDER_SEND_DIMENSIONS',
  'SCALER_PROCESS_DIR',
  'SCALER_RUNTIME_OWNER',
]);

/** Rows of the table read by something other than the two services' loaders. */
const NOT_SERVICE_SCOPES = /bench|scripts|npm start|demo|compose|tests/;

interface Row {
  names: string[];
  scope: string;
  defaults: string[];
}

function tableRows(): Row[] {
  const rows: Row[] = [];
  for (const cells of markdownTable('README.md', '<!-- config-table -->')) {
    const names = [...(cells[0] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    if (names.length === 0) continue; // section heading rows
    const cell = cells[2] ?? '';
    const defaults = names.length > 1 ? cell.split(/\s+\/\s+|,\s+/) : [cell];
    rows.push({ names, scope: cells[1] ?? '', defaults });
  }
  return rows;
}

/** Every variable the services' loaders read, in a few environments that reach every branch. */
function loaderReads(): Map<string, ConfigRead> {
  const all = new Map<string, ConfigRead>();
  const base = {
    AUTH_DISABLED: 'true',
    CONTEXT_REPLICA_URL: 'postgres://u@127.0.0.1:1/db',
    SCALER_DATABASE_URL: 'postgres://u@127.0.0.1:1/db',
  };
  const variants: Record<string, string>[] = [{}, { EMBEDDER: 'openai' }];
  for (const extra of variants) {
    for (const load of [loadContextConfig, loadScalerConfig]) {
      const { env, reads } = recordingEnv({ ...base, ...extra });
      load(env);
      for (const [name, read] of reads) if (!all.has(name)) all.set(name, read);
    }
  }
  return all;
}

/** The documented default read as the loader's kind, or undefined when it is not a plain value. */
function parsed(read: ConfigRead, cell: string): unknown {
  const env = { X: cell };
  try {
    switch (read.kind) {
      case 'duration':
        return readDurationMs(env, 'X', Number.NaN, 0, Number.MAX_SAFE_INTEGER);
      case 'int':
      case 'number':
        return /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : undefined;
      case 'bool':
        return readBool(env, 'X', false);
      case 'string':
      case 'enum':
      case 'url':
        return read.fallback === undefined ? (cell === '(required)' ? undefined : cell) : cell;
      case 'optional':
        return undefined;
    }
  } catch {
    return undefined;
  }
}

describe('README configuration table', () => {
  const rows = tableRows();
  const reads = loaderReads();
  const documented = new Map(rows.flatMap((r) => r.names.map((n, i) => [n, { row: r, i }])));

  it('documents every variable the services read', () => {
    const missing = [...reads.keys()].filter((n) => !documented.has(n));
    expect(missing, 'add these to the README configuration table').toEqual([]);
  });

  it('lists no service variable that no loader reads', () => {
    const stale = rows
      .filter((r) => !NOT_SERVICE_SCOPES.test(r.scope))
      .flatMap((r) => r.names)
      .filter((n) => !reads.has(n) && n !== 'DOCKER_HOST');
    expect(stale, 'remove these from the table, or read them in a loader').toEqual([]);
  });

  it('gives each plain default as the code has it', () => {
    const wrong: string[] = [];
    for (const [name, read] of reads) {
      const doc = documented.get(name);
      if (!doc || PROSE_DEFAULTS.has(name) || read.kind === 'optional') continue;
      const cell = (doc.row.defaults[doc.i] ?? doc.row.defaults[0] ?? '').trim();
      const value = parsed(read, cell);
      if (read.fallback === undefined) {
        if (cell !== '(required)') wrong.push(`${name}: required in code, README says "${cell}"`);
      } else if (value !== read.fallback) {
        wrong.push(`${name}: default ${String(read.fallback)} in code, README says "${cell}"`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
