import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { createImagePuller } from './image-pull.js';
import { ImagePullError } from './pull-errors.js';
import { createRegistryAuth, parseRegistryAuth } from './registry-auth.js';

const D = `sha256:${'12'.repeat(32)}`;
const ID = `sha256:${'34'.repeat(32)}`;

/** An engine that has the images in `present` and answers pulls from `pullScript`. */
function fakeEngine(opts: {
  present: Map<string, { Id: string; RepoDigests: string[] }>;
  pull: (stream: PassThrough, args: { fromImage: string; tag: string }) => void;
}) {
  const calls: { auth: unknown; fromImage: string; tag: string }[] = [];
  const docker = {
    getImage: (ref: string) => ({
      inspect: async () => {
        const i = opts.present.get(ref);
        if (!i) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return i;
      },
    }),
    createImage: async (
      a: unknown,
      b?: { fromImage: string; tag: string; abortSignal: AbortSignal },
    ) => {
      const args = (b ?? a) as { fromImage: string; tag: string; abortSignal: AbortSignal };
      calls.push({ auth: b ? a : undefined, fromImage: args.fromImage, tag: args.tag });
      const s = new PassThrough();
      args.abortSignal.addEventListener('abort', () => s.destroy());
      opts.pull(s, args);
      return s;
    },
  } as unknown as Docker;
  return { docker, calls };
}

const noAuth = createRegistryAuth({ inline: new Map(), file: undefined });

describe('image puller', () => {
  it('IfNotPresent with the image present: no pull, pinned by the repository digest', async () => {
    const present = new Map([['r:1/a:t', { Id: ID, RepoDigests: [`r:1/a@${D}`] }]]);
    const { docker, calls } = fakeEngine({ present, pull: () => {} });
    const p = createImagePuller({ docker, auth: noAuth, timeoutMs: 1000 });
    expect(await p.resolve('r:1/a:t', 'IfNotPresent')).toMatchObject({
      ref: `r:1/a@${D}`,
      digest: D,
      pulled: false,
    });
    expect(calls).toHaveLength(0);
  });

  it('an imported image without a registry digest is pinned by its id', async () => {
    const present = new Map([['local/a:t', { Id: ID, RepoDigests: [] }]]);
    const p = createImagePuller({
      docker: fakeEngine({ present, pull: () => {} }).docker,
      auth: noAuth,
      timeoutMs: 1000,
    });
    expect(await p.resolve('local/a:t', 'IfNotPresent')).toMatchObject({ ref: ID, digest: ID });
  });

  it('Always pulls once however many ask at the same time, with the host credentials, and takes the digest it reports', async () => {
    const present = new Map<string, { Id: string; RepoDigests: string[] }>();
    const { docker, calls } = fakeEngine({
      present,
      pull: (s) =>
        setTimeout(() => {
          present.set('r:1/a:t', { Id: ID, RepoDigests: [] });
          s.end(`{"status":"Pulling"}\n{"status":"Digest: ${D}"}\n`);
        }, 30),
    });
    const auth = createRegistryAuth({
      inline: parseRegistryAuth('{"auths":{"r:1":{"username":"u","password":"p"}}}', 'T'),
      file: undefined,
    });
    const p = createImagePuller({ docker, auth, timeoutMs: 1000 });
    const all = await Promise.all([1, 2, 3].map(() => p.resolve('r:1/a:t', 'Always')));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      fromImage: 'r:1/a',
      tag: 't',
      auth: { username: 'u', serveraddress: 'r:1' },
    });
    for (const r of all) expect(r).toMatchObject({ ref: `r:1/a@${D}`, digest: D, pulled: true });
  });

  it('Never with the image missing: not-present, and nothing is pulled', async () => {
    const { docker, calls } = fakeEngine({ present: new Map(), pull: () => {} });
    const p = createImagePuller({ docker, auth: noAuth, timeoutMs: 1000 });
    const err = await p.resolve('r:1/a:t', 'Never').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect(err).toMatchObject({ reason: 'not-present', image: 'r:1/a:t', failure: 'image_pull' });
    expect(calls).toHaveLength(0);
  });

  it('an error line in the pull stream is classified; a pull past the timeout is aborted', async () => {
    const denied = fakeEngine({
      present: new Map(),
      pull: (s) =>
        s.end(
          '{"error":"unauthorized: authentication required","errorDetail":{"message":"unauthorized: authentication required"}}\n',
        ),
    });
    const p = createImagePuller({ docker: denied.docker, auth: noAuth, timeoutMs: 1000 });
    await expect(p.resolve('r:1/a:t', 'IfNotPresent')).rejects.toMatchObject({
      reason: 'unauthorized',
    });

    const slow = fakeEngine({ present: new Map(), pull: (s) => s.write('{"status":"Pulling"}\n') });
    const q = createImagePuller({ docker: slow.docker, auth: noAuth, timeoutMs: 50 });
    const started = Date.now();
    const err = await q
      .resolve('r:1/a:t', 'IfNotPresent')
      .catch((e: unknown) => e as ImagePullError);
    expect(err).toMatchObject({ reason: 'timeout' });
    expect((err as Error).message).toContain('r:1/a:t');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('the allow-list hook runs before any pull and can refuse', async () => {
    const { docker, calls } = fakeEngine({ present: new Map(), pull: (s) => s.end() });
    const p = createImagePuller({
      docker,
      auth: noAuth,
      timeoutMs: 1000,
      allowImage: (image) => {
        throw new Error(`image ${image} is not allowed`);
      },
    });
    await expect(p.resolve('r:1/a:t', 'Always')).rejects.toThrow(/not allowed/);
    await expect(p.ensure(`r:1/a@${D}`, 'Always')).rejects.toThrow(/not allowed/);
    expect(calls).toHaveLength(0);
  });
});
