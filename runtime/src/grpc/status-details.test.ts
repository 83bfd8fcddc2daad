import { describe, expect, it } from 'vitest';
import { MAX_STATUS_DETAILS, statusDetails } from './status-details.js';

describe('statusDetails', () => {
  it('replaces lone surrogates so encodeURI (grpc-js) cannot throw', () => {
    const lone = `app "${'a'.repeat(62)}\ud83d"`;
    expect(() => encodeURI(lone)).toThrow(URIError);
    const safe = statusDetails(lone);
    expect(() => encodeURI(safe)).not.toThrow();
    expect(safe).toContain('\ufffd');
  });

  it('bounds long messages, also when the cut splits a surrogate pair', () => {
    const long = `x${'😀'.repeat(MAX_STATUS_DETAILS)}`;
    const safe = statusDetails(long);
    expect(safe.length).toBeLessThanOrEqual(MAX_STATUS_DETAILS);
    expect(safe.isWellFormed()).toBe(true);
  });

  it('keeps short well-formed messages unchanged', () => {
    expect(statusDetails('name: is required')).toBe('name: is required');
  });
});
