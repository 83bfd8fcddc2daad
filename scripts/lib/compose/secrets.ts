/**
 * The compose stack's secrets: every database password and each service's
 * AUTH_TOKENS must be set (docker-compose.yml has no defaults and refuses to
 * start without them). They come from the environment, else the .env file
 * next to docker-compose.yml; `generateSecrets` makes a fresh set.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/** Passwords go into postgres:// URLs unescaped: keep them to URL-safe characters. */
export const PASSWORD_VARS = [
  'POSTGRES_PASSWORD',
  'REPLICATION_PASSWORD',
  'SCALER_DB_PASSWORD',
  'CONTEXT_DB_PASSWORD',
] as const;
export const TOKEN_VARS = ['SCALER_AUTH_TOKENS', 'CONTEXT_AUTH_TOKENS'] as const;

const URL_SAFE = /^[A-Za-z0-9._~-]{16,}$/;
const MIN_TOKEN = 24;

/** The one-liner the README shows; `npm run compose -- env` runs the same generator. */
export const ENV_RECIPE = 'npm run compose -- env > .env';

/** KEY=value lines of an .env file (no interpolation, # comments, optional quotes). */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

/** The environment compose will see: .env values under the process environment. */
export function composeEnv(env: NodeJS.ProcessEnv, dotEnvPath: string): NodeJS.ProcessEnv {
  const file = existsSync(dotEnvPath) ? parseDotEnv(readFileSync(dotEnvPath, 'utf8')) : {};
  return { ...file, ...env };
}

/** First `name:token:scopes` entry of an AUTH_TOKENS value. */
export function firstToken(spec: string | undefined): string | undefined {
  return spec?.split(',')[0]?.split(':')[1];
}

/**
 * Problems with the secrets, as messages naming the variable (empty = fine):
 * missing, not URL-safe, short or shared tokens, one token on both services.
 */
export function checkSecrets(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const v of PASSWORD_VARS) {
    const value = env[v];
    if (!value) problems.push(`${v} is not set`);
    else if (!URL_SAFE.test(value))
      problems.push(`${v} must be at least 16 characters of A-Z a-z 0-9 . _ ~ -`);
  }
  const seen = new Map<string, string>();
  for (const v of TOKEN_VARS) {
    const spec = env[v];
    if (!spec) {
      problems.push(`${v} is not set (name:token:scope,...)`);
      continue;
    }
    for (const entry of spec.split(',')) {
      const token = entry.split(':')[1] ?? '';
      if (token.length < MIN_TOKEN)
        problems.push(`${v}: tokens must be at least ${MIN_TOKEN} characters`);
      const other = seen.get(token);
      if (other && other !== v)
        problems.push(`${v} and ${other} share a token: each service gets its own`);
      seen.set(token, v);
    }
  }
  return problems;
}

const secret = () => randomBytes(24).toString('base64url');

/** A fresh .env body: random passwords, a write token for the Scaler, a read token for Context. */
export function generateSecrets(): string {
  return [
    '# autoserve compose secrets (generated; keep this file private: chmod 600)',
    ...PASSWORD_VARS.map((v) => `${v}=${secret()}`),
    `SCALER_AUTH_TOKENS=operator:${secret()}:write`,
    `CONTEXT_AUTH_TOKENS=reader:${secret()}:read`,
    '',
  ].join('\n');
}
