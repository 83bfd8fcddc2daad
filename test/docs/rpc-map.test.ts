import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContextService, ScalerService } from '@autoserve/proto';
import type { DescService } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cluster.js';
import { markdownTable } from '../support/markdown.js';

/**
 * CONTRIBUTING.md's RPC map against the generated service descriptors: every RPC has a row, every
 * row is an RPC, every path in it exists, the handler files define the RPC's method and at least
 * one listed test calls it. A new RPC, a moved handler or query module, or a renamed test fails
 * here instead of leaving the map to rot.
 */

const SERVICES: [DescService, string][] = [
  [ScalerService, 'scaler-service'],
  [ContextService, 'context-service'],
];

/** Paths from the repository root start with one of these; others are from the service's src/. */
const ROOT_DIRS = /^(runtime|proto|scaler-service|context-service|test|bench|scripts)\//;

interface MapRow {
  rpc: string;
  handlers: string[];
  sql: string[];
  tests: string[];
}

function mapRows(typeName: string, serviceDir: string): MapRow[] {
  const resolve = (cell: string) =>
    [...cell.matchAll(/`([^`\s]+\.ts)`/g)].map((m) =>
      ROOT_DIRS.test(m[1]!) ? join(REPO, m[1]!) : join(REPO, serviceDir, 'src', m[1]!),
    );
  const rows: MapRow[] = [];
  for (const cells of markdownTable('CONTRIBUTING.md', `<!-- rpc-map: ${typeName} -->`)) {
    rows.push({
      rpc: cells[0] ?? '',
      handlers: resolve(cells[1] ?? ''),
      sql: resolve(cells[2] ?? ''),
      tests: resolve(cells[3] ?? ''),
    });
  }
  return rows;
}

describe('CONTRIBUTING.md RPC map', () => {
  for (const [service, dir] of SERVICES) {
    describe(service.name, () => {
      const rows = mapRows(service.typeName, dir);
      const byName = new Map(rows.map((r) => [r.rpc, r]));

      it('lists exactly the RPCs of the service descriptor, once each', () => {
        expect(rows.map((r) => r.rpc).sort()).toEqual(service.methods.map((m) => m.name).sort());
      });

      for (const method of service.methods) {
        it(`${method.name}: paths exist, the handler defines it, a test calls it`, () => {
          const row = byName.get(method.name);
          expect(row, `${method.name} has a row`).toBeDefined();
          if (!row) return;
          for (const [kind, paths] of [
            ['handler', row.handlers],
            ['SQL', row.sql],
            ['test', row.tests],
          ] as const) {
            expect(paths.length, `${method.name}: a ${kind} path`).toBeGreaterThan(0);
            for (const p of paths) expect(existsSync(p), `${kind} ${p} exists`).toBe(true);
          }
          const local = method.localName;
          const defines = new RegExp(`(^|[\\s*])${local}\\s*[(:]`, 'm');
          expect(
            row.handlers.some((p) => defines.test(readFileSync(p, 'utf8'))),
            `one of ${row.handlers.join(', ')} defines ${local}`,
          ).toBe(true);
          const calls = new RegExp(`\\b(${local}|${method.name})\\b`);
          expect(
            row.tests.some((p) => calls.test(readFileSync(p, 'utf8'))),
            `one of ${row.tests.join(', ')} calls ${method.name}`,
          ).toBe(true);
        });
      }
    });
  }
});
