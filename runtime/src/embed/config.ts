import type { Logger } from 'pino';
import {
  ConfigError,
  type Env,
  readBool,
  readDurationMs,
  readEnum,
  readOptional,
  readString,
} from '../config/env.js';
import type { Embedder } from './embedder.js';
import { createHashEmbedder } from './hash.js';
import { createOpenAiEmbedder } from './openai.js';

/** Which embedder both services use, from the environment. */
export type EmbedderConfig =
  | { kind: 'hash' }
  | {
      kind: 'openai';
      url: string;
      model: string;
      apiKey: string | undefined;
      timeoutMs: number;
      sendDimensions: boolean;
    };

/**
 * EMBEDDER=hash (default, offline) or openai; for openai: EMBEDDER_URL
 * (default https://api.openai.com/v1), EMBEDDER_MODEL (default
 * text-embedding-3-small), EMBEDDER_API_KEY, EMBEDDER_TIMEOUT (default 10s),
 * EMBEDDER_SEND_DIMENSIONS (default true for text-embedding-3-*).
 */
export function loadEmbedderConfig(env: Env): EmbedderConfig {
  const kind = readEnum(env, 'EMBEDDER', ['hash', 'openai'] as const, 'hash');
  if (kind === 'hash') return { kind };
  const url = readString(env, 'EMBEDDER_URL', 'https://api.openai.com/v1');
  if (!isHttpUrl(url))
    throw new ConfigError('EMBEDDER_URL', `expected an http(s) URL, got "${url}"`);
  const model = readString(env, 'EMBEDDER_MODEL', 'text-embedding-3-small');
  return {
    kind,
    url,
    model,
    apiKey: readOptional(env, 'EMBEDDER_API_KEY'),
    timeoutMs: readDurationMs(env, 'EMBEDDER_TIMEOUT', 10_000, 100, 300_000),
    sendDimensions: readBool(env, 'EMBEDDER_SEND_DIMENSIONS', model.startsWith('text-embedding-3')),
  };
}

/** The embedder a config describes; `log` receives upstream error bodies. */
export function createEmbedder(config: EmbedderConfig, log?: Pick<Logger, 'warn'>): Embedder {
  if (config.kind === 'hash') return createHashEmbedder();
  return createOpenAiEmbedder({ ...config, ...(log ? { log } : {}) });
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
