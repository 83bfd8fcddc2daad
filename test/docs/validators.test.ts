import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as validate from '../../runtime/src/validate/index.js';
import { REPO } from '../support/cluster.js';

/**
 * One vocabulary of request field checks: runtime/src/validate. A service that defines its own
 * function of the same name (a second `checkInt`, `durationMs`, `requiredText`...) starts the
 * drift this module ended, with its own argument order and its own messages.
 */

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('field checks', () => {
  it('are defined once, in runtime/src/validate, not again in a service', () => {
    const names = Object.entries(validate)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k);
    expect(names.length).toBeGreaterThan(10);
    const defines = new RegExp(`\\b(?:function\\s+|const\\s+)(${names.join('|')})\\b`, 'g');
    const found: string[] = [];
    for (const service of ['scaler-service', 'context-service']) {
      for (const file of sourceFiles(join(REPO, service, 'src'))) {
        for (const m of readFileSync(file, 'utf8').matchAll(defines)) {
          found.push(`${relative(REPO, file)}: ${m[1]}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
