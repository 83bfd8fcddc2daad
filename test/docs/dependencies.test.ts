import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cluster.js';

/**
 * Each workspace declares exactly what its shipped source imports: a dependency nothing in
 * `src/` imports is dead weight in every install and image (it was `@grpc/proto-loader` in
 * `runtime`, used only by a test helper), and an import that is not declared works only by
 * hoisting luck. Test-only packages belong in the root devDependencies.
 */

const WORKSPACES = ['proto', 'runtime', 'context-service', 'scaler-service'];
const BUILTINS = new Set(builtinModules);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** The package names a file imports (static, dynamic and type imports, and re-exports). */
function importedPackages(text: string): string[] {
  const specs = [
    ...text.matchAll(/\bfrom\s+'([^']+)'/g),
    ...text.matchAll(/\bimport\s*\(\s*'([^']+)'\s*\)/g),
    ...text.matchAll(/^import\s+'([^']+)'/gm),
  ].map((m) => m[1]!);
  return specs
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !BUILTINS.has(s.split('/')[0]!))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

describe('workspace dependencies match their source imports', () => {
  for (const ws of WORKSPACES) {
    it(ws, () => {
      const pkg = JSON.parse(readFileSync(`${REPO}/${ws}/package.json`, 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
      };
      const declared = Object.keys(pkg.dependencies ?? {}).sort();
      const imported = new Set<string>();
      for (const file of sourceFiles(`${REPO}/${ws}/src`)) {
        for (const name of importedPackages(readFileSync(file, 'utf8'))) imported.add(name);
      }
      imported.delete(pkg.name);
      expect(
        declared.filter((d) => !imported.has(d)),
        `${ws}: declared but never imported by src/`,
      ).toEqual([]);
      expect(
        [...imported].filter((i) => !declared.includes(i)).sort(),
        `${ws}: imported by src/ but not declared`,
      ).toEqual([]);
    });
  }
});
