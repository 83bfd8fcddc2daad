import { RuntimeError } from './types.js';

/**
 * Why an image could not be had, in words a user can act on (the same
 * classes Kubernetes' ErrImagePull messages fall into): the registry does not
 * know the name or tag, refused the credentials, could not be reached, or the
 * pull ran past its timeout; "not-present" is a missing image under the
 * Never policy (nothing was pulled).
 */
export type PullReason = 'not-found' | 'unauthorized' | 'unreachable' | 'timeout' | 'not-present';

/** A failed pull or resolution: names the image and the reason. */
export class ImagePullError extends RuntimeError {
  constructor(
    readonly reason: PullReason,
    readonly image: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('image_pull', message, options);
    this.name = 'ImagePullError';
  }
}

const UNAUTHORIZED =
  /unauthorized|authentication required|access.*denied|denied:|incorrect username or password|\b40[13]\b|no basic auth credentials/i;
const NOT_FOUND = /manifest unknown|not found|name unknown|does not exist|no such image/i;
const UNREACHABLE =
  /connection refused|no such host|network is unreachable|no route to host|connection reset|\bEOF\b|dial tcp|server gave HTTP response|tls:|x509|ECONNREFUSED|EHOSTUNREACH|ENOTFOUND/i;
const TIMEOUT = /timeout|deadline exceeded|timed out/i;

/**
 * Classifies the engine's pull error text (it wraps the registry's answer).
 * Order matters: "pull access denied ... repository does not exist" is
 * Docker Hub's answer for both, and reads as not-found with the denial named.
 */
export function classifyPullError(detail: string, statusCode?: number): PullReason {
  if (/repository does not exist/i.test(detail)) return 'not-found';
  if (UNAUTHORIZED.test(detail) || statusCode === 401 || statusCode === 403) return 'unauthorized';
  if (UNREACHABLE.test(detail)) return 'unreachable';
  if (TIMEOUT.test(detail)) return 'timeout';
  if (NOT_FOUND.test(detail) || statusCode === 404) return 'not-found';
  return 'unreachable';
}

/** The message of a failed pull: the image, the reason, the engine's words (bounded). */
export function pullFailureMessage(
  image: string,
  reason: PullReason,
  detail: string,
  wasPresent: boolean,
): string {
  const what = wasPresent
    ? `image pull failed (${reason})`
    : `image not found on the engine and its pull failed (${reason})`;
  return `${what}: ${image}: ${detail.slice(0, 400)}`;
}
