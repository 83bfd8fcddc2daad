/**
 * An image reference split the way the engine reads it, so the puller knows
 * which registry's credentials to send and how to name a pinned digest.
 * `127.0.0.1:5000/team/api:1.4` -> registry 127.0.0.1:5000, repository
 * 127.0.0.1:5000/team/api, tag 1.4. A first path component with a dot, a
 * colon, an upper-case letter or "localhost" is a registry host (the
 * engine's rule); anything else is Docker Hub.
 */
export interface ImageRef {
  /** Registry host[:port]; "docker.io" for Docker Hub names. */
  registry: string;
  /** The name without tag or digest, as written. */
  repository: string;
  /** The tag, or undefined (a bare name means "latest"; a digest reference has none). */
  tag: string | undefined;
  /** "sha256:<hex>" when the reference names a digest. */
  digest: string | undefined;
}

// The reference grammar the engine parses (distribution's): host[:port]/path/components[:tag][@digest].
const HOST_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `${HOST_PART}(?:\\.${HOST_PART})*(?::[0-9]{1,5})?`;
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REFERENCE = new RegExp(
  `^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`,
);

/**
 * True when the engine reads `image` exactly as parseImageRef does. Anything
 * else is refused before a pull: a reference the two parse differently could
 * send one registry's credentials to another.
 */
export function isValidImageRef(image: string): boolean {
  return image.length <= 255 && (REFERENCE.test(image) || DIGEST.test(image));
}

/** A local image id or a manifest digest: "sha256:" and 64 hex digits. */
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Splits a reference; the spec validator has bounded its length and whitespace already. */
export function parseImageRef(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const registry =
    slash >= 0 &&
    (first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase())
      ? first
      : 'docker.io';
  return { registry, repository: rest, tag, digest };
}

/** True for a bare image id ("sha256:<hex>"), which names a local image and cannot be pulled. */
export function isImageId(image: string): boolean {
  return DIGEST.test(image);
}

/** The reference that starts exactly this digest of the repository. */
export function pinnedRef(repository: string, digest: string): string {
  return `${repository}@${digest}`;
}

/**
 * The repository as the engine lists it in RepoDigests: Docker Hub names lose
 * "docker.io/" and "library/" ("docker.io/library/busybox" -> "busybox").
 */
export function familiarRepository(repository: string): string {
  const hub = repository.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  return hub === repository ? repository : hub.replace(/^library\/(?=[^/]+$)/, '');
}

/**
 * The digest of `repository` among an image's RepoDigests
 * ("repo@sha256:..."), or undefined when the image never came from (or went
 * to) that repository.
 */
export function repoDigestOf(
  repoDigests: readonly string[],
  repository: string,
): string | undefined {
  const want = familiarRepository(repository);
  for (const entry of repoDigests) {
    const at = entry.lastIndexOf('@');
    if (at < 0) continue;
    const digest = entry.slice(at + 1);
    if (familiarRepository(entry.slice(0, at)) === want && DIGEST.test(digest)) return digest;
  }
  return undefined;
}

/** Registry host spellings in a docker config.json -> the host a reference names. */
export function normalizeRegistryHost(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
