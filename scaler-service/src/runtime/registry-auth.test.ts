import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError } from '@autoserve/runtime';
import { describe, expect, it } from 'vitest';
import { loadControlConfig } from '../control/config.js';
import { createRegistryAuth, parseRegistryAuth } from './registry-auth.js';

describe('parseRegistryAuth', () => {
  it('reads docker config.json entries: username/password, auth, identitytoken', () => {
    const creds = parseRegistryAuth(
      JSON.stringify({
        auths: {
          'http://127.0.0.1:5000': { username: 'u', password: 'p:w' },
          'reg.example.com': { auth: Buffer.from('bob:s3:cret').toString('base64') },
          'https://index.docker.io/v1/': { identitytoken: 'tok' },
        },
      }),
      'TEST',
    );
    expect(creds.get('127.0.0.1:5000')?.authconfig()).toEqual({
      username: 'u',
      password: 'p:w',
      serveraddress: '127.0.0.1:5000',
    });
    expect(creds.get('reg.example.com')?.authconfig()).toMatchObject({
      username: 'bob',
      password: 's3:cret',
    });
    expect(creds.get('docker.io')?.authconfig()).toEqual({
      identitytoken: 'tok',
      serveraddress: 'docker.io',
    });
  });

  it('never shows a secret when printed, logged or JSON-encoded, nor in its errors', () => {
    const c = parseRegistryAuth('{"auths":{"h:1":{"username":"u","password":"hunter2"}}}', 'T').get(
      'h:1',
    )!;
    expect(JSON.stringify(c)).not.toContain('hunter2');
    expect(inspect(c)).not.toContain('hunter2');
    expect(JSON.stringify({ c })).toContain('basic');
    expect(() => parseRegistryAuth('{"auths":{"h":{"password":"hunter2"}}}', 'T')).toThrow(
      /needs username/,
    );
    try {
      parseRegistryAuth('{"auths":{"h":{"auth":"aHVudGVyMg=="}}}', 'T');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('rejects what is not the format, naming the source', () => {
    expect(() => parseRegistryAuth('nope', 'SRC')).toThrow(/^SRC: not valid JSON/);
    expect(() => parseRegistryAuth('{"auths":[]}', 'SRC')).toThrow(/SRC/);
    expect(() =>
      parseRegistryAuth('{"auths":{"h":{"username":"u\\u0000","password":"p"}}}', 'S'),
    ).toThrow(/username/);
    expect(() => parseRegistryAuth('x'.repeat(2 << 20), 'S')).toThrow(/1 MiB/);
  });
});

describe('createRegistryAuth', () => {
  it('re-reads a mounted file when it changes; the file wins over the inline entry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regauth-'));
    const file = join(dir, 'config.json');
    try {
      await writeFile(file, '{"auths":{"h:1":{"username":"a","password":"1"}}}');
      const inline = parseRegistryAuth(
        '{"auths":{"h:1":{"username":"i","password":"x"},"o:2":{"identitytoken":"t"}}}',
        'I',
      );
      const auth = createRegistryAuth({ inline, file });
      expect((await auth.forHost('h:1'))?.authconfig()).toMatchObject({ username: 'a' });
      expect((await auth.forHost('o:2'))?.kind).toBe('token');
      expect(await auth.forHost('none:3')).toBeUndefined();
      await writeFile(file, '{"auths":{"h:1":{"username":"rotated","password":"22"}}}');
      expect((await auth.forHost('h:1'))?.authconfig()).toMatchObject({ username: 'rotated' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadControlConfig', () => {
  it('reads SCALER_REGISTRY_AUTH, SCALER_REGISTRY_AUTH_FILE and SCALER_IMAGE_PULL_TIMEOUT', () => {
    const c = loadControlConfig({
      SCALER_REGISTRY_AUTH: '{"auths":{"127.0.0.1:5000":{"username":"u","password":"p"}}}',
      SCALER_REGISTRY_AUTH_FILE: '/run/secrets/registry.json',
      SCALER_IMAGE_PULL_TIMEOUT: '90s',
    });
    expect(c.runtime.images.pullTimeoutMs).toBe(90_000);
    expect(c.runtime.images.auth.file).toBe('/run/secrets/registry.json');
    expect(c.runtime.images.auth.inline.get('127.0.0.1:5000')?.kind).toBe('basic');
    expect(loadControlConfig({}).runtime.images.pullTimeoutMs).toBe(300_000);
  });
  it('a malformed SCALER_REGISTRY_AUTH stops the start naming the variable, never its value', () => {
    const bad = () =>
      loadControlConfig({ SCALER_REGISTRY_AUTH: '{"auths":{"h":{"password":"hunter2"}}}' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/^SCALER_REGISTRY_AUTH: /);
    expect(bad).not.toThrow(/hunter2/);
  });
});
