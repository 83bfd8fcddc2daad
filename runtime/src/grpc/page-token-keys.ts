import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Signs and verifies page tokens; the first key signs, every key verifies (rotation). */
export interface PageTokenKeyring {
  sign(payload: string): string;
  verify(payload: string, signature: string): boolean;
  /** Tokens older than this are stale. */
  readonly maxAgeMs: number;
  /** True when no key was configured and a random one was made (tokens die with the process). */
  readonly generated: boolean;
  now(): number;
}

const DAY_MS = 86_400_000;
/** The key of a process without configured keys: one per process, so every service in it agrees. */
const PROCESS_KEY = randomBytes(32);

/**
 * A keyring over `keys` (none: the process's random key, so tokens are still
 * unforgeable but do not survive a restart or cross replicas). `now` is
 * injectable for tests.
 */
export function createPageTokenKeyring(
  keys: readonly string[],
  opts: { maxAgeMs?: number; now?: () => number } = {},
): PageTokenKeyring {
  const generated = keys.length === 0;
  const secrets = generated ? [PROCESS_KEY] : keys.map((k) => Buffer.from(k, 'utf8'));
  const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();
  return {
    sign: (payload) => mac(secrets[0]!, payload).toString('base64url'),
    verify(payload, signature) {
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== 32) return false;
      let ok = false;
      // Every key is tried (no early exit), so timing does not say which one matched.
      for (const key of secrets) if (timingSafeEqual(mac(key, payload), given)) ok = true;
      return ok;
    },
    maxAgeMs: opts.maxAgeMs ?? DAY_MS,
    generated,
    now: opts.now ?? Date.now,
  };
}

let current: PageTokenKeyring | undefined;

/**
 * The process's keyring. encodePageToken/decodePageToken are called from many
 * handlers of both services, so the key is process state set once at start
 * (serve() installs the configured one) rather than a parameter of each.
 */
export function pageTokenKeyring(): PageTokenKeyring {
  current ??= createPageTokenKeyring([]);
  return current;
}

/** Installs the keyring built from config (serve() at start; tests). */
export function setPageTokenKeyring(keyring: PageTokenKeyring): void {
  current = keyring;
}
