import { describe, expect, it } from 'vitest';
import {
  familiarRepository,
  isImageId,
  isValidImageRef,
  normalizeRegistryHost,
  parseImageRef,
  pinnedRef,
  repoDigestOf,
} from './image-ref.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseImageRef', () => {
  it('splits registry host, repository, tag and digest', () => {
    expect(parseImageRef('127.0.0.1:5000/team/api:1.4')).toEqual({
      registry: '127.0.0.1:5000',
      repository: '127.0.0.1:5000/team/api',
      tag: '1.4',
      digest: undefined,
    });
    expect(parseImageRef(`localhost/api@${D}`)).toMatchObject({
      registry: 'localhost',
      repository: 'localhost/api',
      tag: undefined,
      digest: D,
    });
    expect(parseImageRef('registry.example.com/a/b')).toMatchObject({
      registry: 'registry.example.com',
      tag: undefined,
    });
  });
  it('names Docker Hub for names without a registry host', () => {
    expect(parseImageRef('busybox:1')).toMatchObject({
      registry: 'docker.io',
      repository: 'busybox',
      tag: '1',
    });
    expect(parseImageRef('autoserve/node-http:test').registry).toBe('docker.io');
  });
  it('reads the first component as a host like the engine: dot, colon, localhost or upper case', () => {
    expect(parseImageRef('Reg/a').registry).toBe('Reg');
    expect(parseImageRef('team/a').registry).toBe('docker.io');
  });
  it('a port is no tag', () => {
    expect(parseImageRef('127.0.0.1:5000/api')).toMatchObject({
      repository: '127.0.0.1:5000/api',
      tag: undefined,
    });
  });
});

describe('digests', () => {
  it('pins a repository to a digest', () => {
    expect(pinnedRef('127.0.0.1:5000/api', D)).toBe(`127.0.0.1:5000/api@${D}`);
    expect(isImageId(D)).toBe(true);
    expect(isImageId('busybox')).toBe(false);
  });
  it('finds the digest of the repository among RepoDigests, Docker Hub names familiarized', () => {
    const other = `sha256:${'cd'.repeat(32)}`;
    expect(repoDigestOf([`127.0.0.1:1/x@${other}`, `127.0.0.1:2/x@${D}`], '127.0.0.1:2/x')).toBe(D);
    expect(repoDigestOf([`busybox@${D}`], 'docker.io/library/busybox')).toBe(D);
    expect(repoDigestOf([`busybox@${D}`], 'other')).toBeUndefined();
    expect(repoDigestOf(['busybox@sha256:short'], 'busybox')).toBeUndefined();
    expect(familiarRepository('docker.io/team/api')).toBe('team/api');
  });
  it('normalizes config.json registry keys', () => {
    expect(normalizeRegistryHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeRegistryHost('http://127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(normalizeRegistryHost('Registry.Example.com')).toBe('registry.example.com');
  });
});

describe('isValidImageRef', () => {
  it.each([
    'busybox',
    'autoserve/node-http:test',
    '127.0.0.1:5000/team/api:1.4',
    `localhost/a@${D}`,
    `reg.example.com/a/b:v1.2_3@${D}`,
    D,
  ])('accepts %s', (ref) => expect(isValidImageRef(ref)).toBe(true));
  it.each([
    '',
    'a/Upper',
    '127.0.0.1:5000@evil.example.com/x',
    'a//b',
    'a:b:c',
    `a@sha256:${'0'.repeat(10)}`,
    '-a/b',
    'a/b:-tag',
    `a:${'t'.repeat(129)}`,
  ])('refuses %s', (ref) => expect(isValidImageRef(ref)).toBe(false));
});
