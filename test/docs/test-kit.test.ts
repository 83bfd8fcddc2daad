import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cluster.js';

/**
 * Tests and benches share their data generators through test/kit/, and the dependency points one
 * way: benches may import the test harness, tests never import bench/ (bench code is tuned for
 * measuring, changes with every bench, and is not what a test should rest on).
 */

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('test kit', () => {
  it('no test file imports from bench/', () => {
    const offenders = tsFiles(join(REPO, 'test')).filter((f) =>
      /from\s+'(\.\.\/)+bench\//.test(readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => relative(REPO, f))).toEqual([]);
  });

  it('generators live in test/kit, not in bench/support', () => {
    const generators = ['clustered.ts', 'mixture.ts', 'incidents.ts', 'truth.ts'];
    const inBench = readdirSync(join(REPO, 'bench', 'support'));
    expect(generators.filter((g) => inBench.includes(g))).toEqual([]);
    const inKit = readdirSync(join(REPO, 'test', 'kit'));
    expect(generators.filter((g) => !inKit.includes(g))).toEqual([]);
  });
});
