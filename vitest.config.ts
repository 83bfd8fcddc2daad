import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const WORKSPACES = ['proto', 'runtime', 'context-service', 'scaler-service'];

/**
 * `@autoserve/*` imports resolve to each workspace's TypeScript sources, not its built `dist/`,
 * so a test can never run against stale output. Derived from the packages' own `exports` maps
 * (dist/x.js -> src/x.ts), so a new export needs no change here.
 */
function sourceAliases() {
  const aliases: { find: string; replacement: string }[] = [];
  for (const dir of WORKSPACES) {
    const root = fileURLToPath(new URL(`./${dir}/`, import.meta.url));
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      name: string;
      exports: Record<string, string>;
    };
    for (const [sub, target] of Object.entries(pkg.exports)) {
      if (!target.startsWith('./dist/') || !target.endsWith('.js')) continue;
      const src = `${root}src/${target.slice('./dist/'.length, -'.js'.length)}.ts`;
      aliases.push({
        find: sub === '.' ? pkg.name : `${pkg.name}${sub.slice(1)}`,
        replacement: src,
      });
    }
  }
  // Longest specifiers first: '@autoserve/proto/common/v1' before '@autoserve/proto'.
  return aliases.sort((a, b) => b.find.length - a.find.length);
}

export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    // Integration files share one Postgres cluster on a 2-core machine.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['*/src/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
