import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchExposition, isLoopback } from './fetch.js';

let server: Server;
let port = 0;
const target = (path: string, over: object = {}) => ({
  host: '127.0.0.1',
  port,
  path,
  timeoutMs: 300,
  maxBytes: 1024,
  ...over,
});

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') res.end('a 1\n');
    else if (req.url === '/big') res.end('x'.repeat(5000));
    else if (req.url === '/stream') {
      // No content-length: the cap must hold while reading.
      res.write('x'.repeat(800));
      res.write('x'.repeat(800));
      res.end();
    } else if (req.url === '/slow') setTimeout(() => res.end('a 1\n'), 2000);
    else if (req.url === '/drip') {
      res.write('a');
      setTimeout(() => res.end(' 1\n'), 2000);
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://example.com/' });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('fetchExposition (loopback server)', () => {
  it('reads a body', async () => {
    expect(await fetchExposition(target('/ok'))).toEqual({ ok: true, body: 'a 1\n' });
  });

  it('caps the body by content-length and while streaming', async () => {
    expect(await fetchExposition(target('/big'))).toMatchObject({
      ok: false,
      error: /exceeds 1024/,
    });
    expect(await fetchExposition(target('/stream'))).toMatchObject({
      ok: false,
      error: /exceeds 1024/,
    });
  });

  it('one deadline for headers and body; no redirects; non-200 fails', async () => {
    const t0 = Date.now();
    expect(await fetchExposition(target('/slow'))).toEqual({
      ok: false,
      error: 'timeout after 300 ms',
    });
    expect(await fetchExposition(target('/drip'))).toEqual({
      ok: false,
      error: 'timeout after 300 ms',
    });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await fetchExposition(target('/redirect'))).toEqual({ ok: false, error: 'HTTP 302' });
    expect(await fetchExposition(target('/nope'))).toEqual({ ok: false, error: 'HTTP 404' });
  });

  it('refuses any host that is not loopback, without connecting', async () => {
    for (const host of [
      '10.0.0.1',
      '169.254.169.254',
      'example.com',
      'localhost',
      '::ffff:10.0.0.1',
    ]) {
      expect(isLoopback(host)).toBe(false);
      expect(await fetchExposition(target('/ok', { host }))).toMatchObject({
        ok: false,
        error: /refused/,
      });
    }
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
  });

  it('a closed port is an error, not a throw', async () => {
    const r = await fetchExposition(target('/ok', { port: 1 }));
    expect(r).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
  });
});
