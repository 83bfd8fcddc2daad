import { filterHash } from '@autoserve/runtime';
import { Code } from '@connectrpc/connect';
import { describe, expect, inject } from 'vitest';
import { serviceTest } from '../../support/fixtures.js';
import { startScaler } from '../../support/services.js';
import { appName, expectCode, scalerClient } from '../scaler/client.js';

const db = inject('db');
const test = serviceTest({ scalerEnv: { PAGE_TOKEN_KEYS: 'k'.repeat(40) } });

// Issue 9, item 7: page tokens are signed, so a caller cannot hand a list query a position
// no server produced; a token from another deployment's key is refused the same way.
describe('page tokens against a running Scaler', () => {
  const prefix = appName('ptok');
  test.beforeAll(async ({ writer }) => {
    for (const i of [1, 2, 3]) {
      await writer.registerApp({
        name: `${prefix}-${i}`,
        spec: { image: 'autoserve/node-http:test' },
      });
    }
  });

  test('pages with its own tokens', async ({ writer: c }) => {
    const first = await c.listApps({ pageSize: 1 });
    expect(first.nextPageToken).not.toBe('');
    const second = await c.listApps({ pageSize: 1, pageToken: first.nextPageToken });
    expect(second.apps[0]?.name).not.toBe(first.apps[0]?.name);
  });

  test('refuses a token a caller built itself (InvalidArgument)', async ({ writer: c }) => {
    // The unsigned layout a874300 issued: anyone could write one.
    const forged = Buffer.from(
      JSON.stringify({ v: 1, k: 'apps', f: filterHash({ statuses: [] }), p: [`${prefix}-1`] }),
    ).toString('base64url');
    await expectCode(
      c.listApps({ pageSize: 1, pageToken: forged }),
      Code.InvalidArgument,
      /page_token/,
    );
  });

  test('refuses a real token with an edited position, and one of another key', async ({
    writer: c,
  }) => {
    const { nextPageToken } = await c.listApps({ pageSize: 1 });
    const [body, sig] = nextPageToken.split('.') as [string, string];
    const json = JSON.parse(Buffer.from(body, 'base64url').toString()) as { p: string[] };
    json.p = [`${prefix}-2`];
    const edited = `${Buffer.from(JSON.stringify(json)).toString('base64url')}.${sig}`;
    await expectCode(
      c.listApps({ pageSize: 1, pageToken: edited }),
      Code.InvalidArgument,
      /not issued by this deployment/,
    );
    const other = await startScaler(db, { PAGE_TOKEN_KEYS: 'o'.repeat(40) });
    try {
      await expectCode(
        scalerClient(other.port).listApps({ pageSize: 1, pageToken: nextPageToken }),
        Code.InvalidArgument,
        /not issued by this deployment/,
      );
    } finally {
      await other.stop();
    }
  });
});
