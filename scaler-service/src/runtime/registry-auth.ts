import { readFile, stat } from 'node:fs/promises';
import { inspect } from 'node:util';
import { normalizeRegistryHost } from './image-ref.js';

/** What the engine is given for one pull (X-Registry-Auth). */
export type DockerAuthConfig =
  | { username: string; password: string; serveraddress: string }
  | { identitytoken: string; serveraddress: string };

/**
 * One registry's credentials. Printing, logging or JSON-encoding it shows
 * only the host and the kind, never the secret: the object may travel
 * through log calls and error paths by mistake, the secret must not.
 */
export class RegistryCredential {
  readonly #secret: { username: string; password: string } | { identityToken: string };
  constructor(
    readonly host: string,
    secret: { username: string; password: string } | { identityToken: string },
  ) {
    this.#secret = secret;
  }
  get kind(): 'basic' | 'token' {
    return 'identityToken' in this.#secret ? 'token' : 'basic';
  }
  /** The engine's auth object; build it only at the call that sends it. */
  authconfig(): DockerAuthConfig {
    const s = this.#secret;
    return 'identityToken' in s
      ? { identitytoken: s.identityToken, serveraddress: this.host }
      : { username: s.username, password: s.password, serveraddress: this.host };
  }
  toJSON() {
    return { host: this.host, kind: this.kind };
  }
  [inspect.custom]() {
    return `RegistryCredential(${this.host}, ${this.kind})`;
  }
}

const MAX_BYTES = 1 << 20;
const MAX_HOSTS = 256;
const MAX_FIELD = 8192;

function field(source: string, host: string, name: string, v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > MAX_FIELD || v.includes('\0')) {
    throw new Error(
      `${source}: auths["${host}"].${name} must be a string of at most ${MAX_FIELD} characters`,
    );
  }
  return v;
}

/**
 * Parses credentials in the format `docker login` writes (config.json):
 * `{"auths": {"<host>": {"username": .., "password": ..} | {"auth":
 * base64("user:password")} | {"identitytoken": ..}}}`, so an operator can
 * mount the file they already have. Errors name the source, never a value.
 */
export function parseRegistryAuth(text: string, source: string): Map<string, RegistryCredential> {
  if (text.length > MAX_BYTES) throw new Error(`${source}: larger than 1 MiB`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${source}: not valid JSON (expected {"auths": {"<registry host>": {...}}})`);
  }
  const auths = (doc as { auths?: unknown } | null)?.auths;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) {
    throw new Error(`${source}: expected an object {"auths": {"<registry host>": {...}}}`);
  }
  const entries = Object.entries(auths as Record<string, unknown>);
  if (entries.length > MAX_HOSTS) throw new Error(`${source}: more than ${MAX_HOSTS} registries`);
  const out = new Map<string, RegistryCredential>();
  for (const [key, value] of entries) {
    const host = normalizeRegistryHost(key);
    if (!host || host.length > 255)
      throw new Error(`${source}: invalid registry host "${key.slice(0, 64)}"`);
    const e = (value ?? {}) as Record<string, unknown>;
    const token = field(source, host, 'identitytoken', e.identitytoken);
    let username = field(source, host, 'username', e.username);
    let password = field(source, host, 'password', e.password);
    const auth = field(source, host, 'auth', e.auth);
    if (auth && !username) {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep <= 0)
        throw new Error(`${source}: auths["${host}"].auth must be base64 of "user:password"`);
      username = decoded.slice(0, sep);
      password = decoded.slice(sep + 1);
    }
    if (token) out.set(host, new RegistryCredential(host, { identityToken: token }));
    else if (username && password !== undefined)
      out.set(host, new RegistryCredential(host, { username, password }));
    else
      throw new Error(
        `${source}: auths["${host}"] needs username and password, auth, or identitytoken`,
      );
  }
  return out;
}

/** Where the Scaler's registry credentials come from (operator configuration only). */
export interface RegistryAuthSource {
  /** Parsed from SCALER_REGISTRY_AUTH at start. */
  inline: Map<string, RegistryCredential>;
  /** SCALER_REGISTRY_AUTH_FILE: re-read when it changes, so a rotated secret needs no restart. */
  file: string | undefined;
}

/** Looks up a registry host's credentials: the file's entry wins over the inline one. */
export function createRegistryAuth(source: RegistryAuthSource) {
  let cached: { mtimeMs: number; size: number; creds: Map<string, RegistryCredential> } | undefined;
  const fromFile = async (): Promise<Map<string, RegistryCredential>> => {
    if (!source.file) return new Map();
    const st = await stat(source.file);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.creds;
    if (st.size > MAX_BYTES) throw new Error(`SCALER_REGISTRY_AUTH_FILE: larger than 1 MiB`);
    const creds = parseRegistryAuth(
      await readFile(source.file, 'utf8'),
      'SCALER_REGISTRY_AUTH_FILE',
    );
    cached = { mtimeMs: st.mtimeMs, size: st.size, creds };
    return creds;
  };
  return {
    /** The credential for a registry host, or undefined (anonymous pull). */
    async forHost(host: string): Promise<RegistryCredential | undefined> {
      const h = normalizeRegistryHost(host);
      return (await fromFile()).get(h) ?? source.inline.get(h);
    },
  };
}

export type RegistryAuth = ReturnType<typeof createRegistryAuth>;
