import { scaler } from '@autoserve/proto';
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { pullPolicyOf, specToProto, validateSpec } from './spec.js';

const spec = (init: Parameters<typeof create<typeof scaler.AppSpecSchema>>[1]) =>
  create(scaler.AppSpecSchema, init);
const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
};

describe('spec image and pull policy', () => {
  it('stores the pull policy by its Kubernetes name; unspecified is IfNotPresent', () => {
    expect(validateSpec(spec({ image: 'a:1' })).pull_policy).toBe('IfNotPresent');
    expect(
      validateSpec(spec({ image: 'a:1', pullPolicy: scaler.ImagePullPolicy.ALWAYS })).pull_policy,
    ).toBe('Always');
    const never = validateSpec(spec({ image: 'a:1', pullPolicy: scaler.ImagePullPolicy.NEVER }));
    expect(specToProto(never).pullPolicy).toBe(scaler.ImagePullPolicy.NEVER);
    // Rows stored before pull policies read as the default.
    expect(pullPolicyOf({ image: 'a' })).toBe('IfNotPresent');
    expect(specToProto({ image: 'a' }).pullPolicy).toBe(scaler.ImagePullPolicy.IF_NOT_PRESENT);
  });

  it('refuses an unknown policy value and an image the engine would read otherwise', () => {
    expect(
      message(() => validateSpec(spec({ image: 'a', pullPolicy: 7 as scaler.ImagePullPolicy }))),
    ).toMatch(/spec.pull_policy: must be/);
    for (const image of ['127.0.0.1:5000@evil.example.com/x', 'a//b', 'a/B', 'a@sha256:12']) {
      expect(message(() => validateSpec(spec({ image })))).toMatch(
        /spec.image: must be an image reference/,
      );
    }
    expect(validateSpec(spec({ image: '127.0.0.1:5000/team/api:1.4' })).image).toBe(
      '127.0.0.1:5000/team/api:1.4',
    );
  });
});
