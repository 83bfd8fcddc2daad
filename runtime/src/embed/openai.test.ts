import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbedder, loadEmbedderConfig } from './config.js';
import { createOpenAiEmbedder, embeddingsUrl } from './openai.js';

type Handler = (body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A fake embeddings server on 127.0.0.1; returns its base URL. */
async function fake(handler: Handler): Promise<string> {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', () => handler(JSON.parse(raw || '{}') as Record<string, unknown>, req, res));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1`;
}

const vec = (seed: number) => Array.from({ length: 1536 }, (_, i) => Math.sin(seed + i));
const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const errorOf = async (p: Promise<unknown>): Promise<ConnectError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
};
const codeOf = async (p: Promise<unknown>) => (await errorOf(p)).code;

describe('OpenAI-compatible embedder', () => {
  it('posts model, input and key, reorders by index and normalises', async () => {
    const seen: unknown[] = [];
    const url = await fake((body, req, res) => {
      seen.push({ path: req.url, auth: req.headers.authorization, body });
      const input = body.input as string[];
      json(res, 200, {
        data: input.map((_, i) => ({ index: i, embedding: vec(i) })).reverse(),
        model: body.model,
      });
    });
    const e = createOpenAiEmbedder({ url, model: 'm1', apiKey: 'k', timeoutMs: 2000 });
    expect(e.name).toBe('openai:m1');
    const out = await e.embed(['a', 'b']);
    expect(seen).toEqual([
      {
        path: '/v1/embeddings',
        auth: 'Bearer k',
        body: { model: 'm1', input: ['a', 'b'], encoding_format: 'float' },
      },
    ]);
    const norm = Math.hypot(...out[0]!);
    expect(norm).toBeCloseTo(1, 5);
    expect(out[1]![5]! / out[1]![6]!).toBeCloseTo(Math.sin(1 + 5) / Math.sin(1 + 6), 4);
  });

  it('batches large inputs', async () => {
    let calls = 0;
    const url = await fake((body, _req, res) => {
      calls++;
      json(res, 200, {
        data: (body.input as string[]).map((_, i) => ({ index: i, embedding: vec(i) })),
      });
    });
    const e = createOpenAiEmbedder({ url, model: 'm', timeoutMs: 2000, batchSize: 2 });
    expect(await e.embed(['1', '2', '3', '4', '5'])).toHaveLength(5);
    expect(calls).toBe(3);
  });

  it('maps refusals to InvalidArgument naming text, and the rest to Unavailable', async () => {
    let status = 400;
    // Upstream text may name accounts, hosts or quotas: it goes to the log, never the caller.
    const upstream = 'org-SECRET-42 exceeded quota on internal-host.corp';
    let body: unknown = { error: { message: upstream } };
    const url = await fake((_b, _req, res) => json(res, status, body));
    const logged: unknown[] = [];
    const log = { warn: (obj: unknown) => void logged.push(obj) };
    const e = createOpenAiEmbedder({ url, model: 'm', timeoutMs: 2000, log: log as never });
    const err = await errorOf(e.embed(['x']));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/^text: refused by the embedder \(HTTP 400/);
    expect(err.rawMessage).not.toContain('SECRET');
    for (const s of [401, 429, 500, 503]) {
      status = s;
      const e2 = await errorOf(e.embed(['x']));
      expect(e2.code).toBe(Code.Unavailable);
      expect(e2.rawMessage).not.toContain('SECRET');
      expect(e2.rawMessage).toContain(`HTTP ${s}`);
    }
    expect(logged).toHaveLength(5);
    expect(JSON.stringify(logged[0])).toContain(upstream);
    status = 200;
    body = { data: [{ index: 0, embedding: [1, 2, 3] }] };
    expect(await codeOf(e.embed(['x']))).toBe(Code.FailedPrecondition);
    body = { nope: true };
    expect(await codeOf(e.embed(['x']))).toBe(Code.Unavailable);
  });

  it('times out as Unavailable and reports an unreachable server', async () => {
    const url = await fake(() => {
      // never answers
    });
    const e = createOpenAiEmbedder({ url, model: 'm', timeoutMs: 150 });
    const started = Date.now();
    const err = await errorOf(e.embed(['x']));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(2000);
    const dead = createOpenAiEmbedder({ url: 'http://127.0.0.1:1/v1', model: 'm', timeoutMs: 500 });
    expect(await codeOf(dead.embed(['x']))).toBe(Code.Unavailable);
  });

  it('builds the endpoint URL from a base or full URL', () => {
    expect(embeddingsUrl('https://api.openai.com/v1/')).toBe(
      'https://api.openai.com/v1/embeddings',
    );
    expect(embeddingsUrl('http://h/v1/embeddings')).toBe('http://h/v1/embeddings');
  });
});

describe('embedder config', () => {
  it('defaults to the offline hash embedder', () => {
    expect(loadEmbedderConfig({})).toEqual({ kind: 'hash' });
    expect(createEmbedder(loadEmbedderConfig({})).name).toBe('hash-v1');
  });

  it('reads the OpenAI settings and names wrong values', () => {
    const c = loadEmbedderConfig({
      EMBEDDER: 'openai',
      EMBEDDER_URL: 'http://127.0.0.1:11434/v1',
      EMBEDDER_MODEL: 'nomic',
      EMBEDDER_API_KEY: 's3cret',
      EMBEDDER_TIMEOUT: '2s',
    });
    expect(c).toEqual({
      kind: 'openai',
      url: 'http://127.0.0.1:11434/v1',
      model: 'nomic',
      apiKey: 's3cret',
      timeoutMs: 2000,
      sendDimensions: false,
    });
    expect(createEmbedder(c).name).toBe('openai:nomic');
    expect(loadEmbedderConfig({ EMBEDDER: 'openai' })).toMatchObject({
      url: 'https://api.openai.com/v1',
      model: 'text-embedding-3-small',
      sendDimensions: true,
    });
    expect(() => loadEmbedderConfig({ EMBEDDER: 'bert' })).toThrow(/^EMBEDDER: /);
    expect(() => loadEmbedderConfig({ EMBEDDER: 'openai', EMBEDDER_URL: 'ftp://x' })).toThrow(
      /^EMBEDDER_URL: /,
    );
  });
});
