import { describe, expect, it } from 'vitest';
import { classifyPullError } from './pull-errors.js';

// The engine's words as Docker 20.10 answered them against a loopback registry.
describe('classifyPullError', () => {
  it.each([
    [
      'manifest for 127.0.0.1:5000/a/b:x not found: manifest unknown: manifest unknown',
      'not-found',
    ],
    [
      "pull access denied for a/b, repository does not exist or may require 'docker login'",
      'not-found',
    ],
    ['Head "http://127.0.0.1:5000/v2/a/manifests/t": no basic auth credentials', 'unauthorized'],
    ['unauthorized: authentication required', 'unauthorized'],
    [
      'Get "http://127.0.0.1:5001/v2/": dial tcp 127.0.0.1:5001: connect: connection refused',
      'unreachable',
    ],
    [
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
      'unreachable',
    ],
    ['context deadline exceeded', 'timeout'],
  ])('%s -> %s', (detail, reason) => {
    expect(classifyPullError(detail)).toBe(reason);
  });
  it('uses the HTTP status when the words say nothing', () => {
    expect(classifyPullError('boom', 401)).toBe('unauthorized');
    expect(classifyPullError('boom', 404)).toBe('not-found');
  });
});
