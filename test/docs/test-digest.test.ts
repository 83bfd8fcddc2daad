import { describe, expect, it } from 'vitest';
import { digest } from '../../scripts/test-digest.js';

const ESC = String.fromCharCode(27);

describe('CI test digest', () => {
  it('keeps an unhandled error, its own frames and its file, and drops node_modules frames', () => {
    const log = [
      ' ✓ test/a.test.ts (3 tests)',
      `${ESC}[31m⎯⎯⎯⎯ Unhandled Rejection ⎯⎯⎯⎯${ESC}[39m`,
      'Error: Cannot use a pool after calling end on the pool',
      ' ❯ Pool.query node_modules/pg-pool/index.js:45:11',
      ' ❯ tick scaler-service/src/scrape/scraper.ts:170:3',
      '',
      'This error originated in "test/integration/control/scrape.test.ts" test file.',
      `${ESC}[2m Test Files ${ESC}[22m 98 passed (98)`,
      '      Errors  1 error',
    ].join('\n');
    expect(digest(log)).toEqual([
      '⎯⎯⎯⎯ Unhandled Rejection ⎯⎯⎯⎯',
      '  Error: Cannot use a pool after calling end on the pool',
      '  ❯ tick scaler-service/src/scrape/scraper.ts:170:3',
      '  This error originated in "test/integration/control/scrape.test.ts" test file.',
      'Test Files  98 passed (98)',
      'Errors  1 error',
    ]);
  });

  it("keeps an uncaught exception's own banner and message under vitest's section banner", () => {
    const log = [
      `${ESC}[31m⎯⎯⎯⎯⎯⎯ Unhandled Errors ⎯⎯⎯⎯⎯⎯${ESC}[39m`,
      '',
      'Vitest caught 1 unhandled error during the test run.',
      'This might cause false positive tests. Resolve unhandled errors to make sure your tests are not affected.',
      '⎯⎯⎯⎯ Uncaught Exception ⎯⎯⎯⎯',
      'ConnectError: [canceled] received GOAWAY without any open streams',
      ' ❯ ClientHttp2Session.onGoaway node_modules/@connectrpc/connect-node/dist/esm/x.js:469:26',
      'This error originated in "test/integration/control/scrape.test.ts" test file.',
    ].join('\n');
    expect(digest(log)).toEqual([
      '⎯⎯⎯⎯⎯⎯ Unhandled Errors ⎯⎯⎯⎯⎯⎯',
      '  Vitest caught 1 unhandled error during the test run.',
      '⎯⎯⎯⎯ Uncaught Exception ⎯⎯⎯⎯',
      '  ConnectError: [canceled] received GOAWAY without any open streams',
      '  This error originated in "test/integration/control/scrape.test.ts" test file.',
    ]);
  });

  it('keeps each failed test with its assertion and location, and caps long lines', () => {
    const long = 'x'.repeat(500);
    const log = [
      ' FAIL  integration  test/b.test.ts > suite > case',
      `AssertionError: expected 0.86 to be >= 0.9 ${long}`,
      ' ❯ test/b.test.ts:119:58',
      '    117|       // comment',
      ' FAIL  integration  test/c.test.ts > other',
      'Error: Test timed out in 60000ms.',
      '      Tests  2 failed | 5 passed (7)',
    ].join('\n');
    const d = digest(log);
    expect(d[0]).toBe('FAIL  integration  test/b.test.ts > suite > case');
    expect(d[1]!.length).toBe(241);
    expect(d.slice(2)).toEqual([
      '  ❯ test/b.test.ts:119:58',
      'FAIL  integration  test/c.test.ts > other',
      '  Error: Test timed out in 60000ms.',
      'Tests  2 failed | 5 passed (7)',
    ]);
  });
});
