import { Code, ConnectError } from '@connectrpc/connect';
import type { Logger } from 'pino';
import { invalidArgument } from '../grpc/errors.js';
import { EMBEDDING_DIMENSIONS, type Embedder, l2Normalize } from './embedder.js';

export interface OpenAiEmbedderOptions {
  /** Base URL ("https://api.openai.com/v1") or the full ".../embeddings" URL. */
  url: string;
  /** Model name sent with every request; part of the embedder's name. */
  model: string;
  /** Bearer key; omitted for local servers that need none. */
  apiKey?: string;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** Send `dimensions: 1536` (text-embedding-3-* can shorten their output; ada-002 rejects it). */
  sendDimensions?: boolean;
  /** Texts per HTTP request. */
  batchSize?: number;
  /** Test seam. */
  fetch?: typeof fetch;
  /** Where the upstream error bodies go (never to the caller). */
  log?: Pick<Logger, 'warn'>;
}

interface EmbeddingsResponse {
  data?: { embedding?: unknown; index?: unknown }[];
}

/** The embeddings endpoint for a configured URL. */
export function embeddingsUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/embeddings') ? trimmed : `${trimmed}/embeddings`;
}

function unavailable(message: string, cause?: unknown): ConnectError {
  return new ConnectError(message, Code.Unavailable, undefined, undefined, cause);
}

/**
 * First 500 characters of the server's error body, for the log only: upstream text can
 * carry account names, quotas, internal hosts or an echo of the input, so it never reaches
 * the caller, who gets a classified reason instead.
 */
async function errorText(res: Response): Promise<string> {
  try {
    return (await res.text()).slice(0, 500);
  } catch {
    return '';
  }
}

/** Short reason for a non-2xx answer, by status class (no upstream text). */
function classify(status: number): string {
  if (status === 401 || status === 403) return 'the embedder refused our credentials';
  if (status === 429) return 'the embedder is rate limiting';
  if (status >= 500) return 'the embedder failed';
  return 'the embedder did not accept the request';
}

function toVector(raw: unknown, model: string): Float32Array {
  if (!Array.isArray(raw) || raw.length !== EMBEDDING_DIMENSIONS) {
    const n = Array.isArray(raw) ? raw.length : 0;
    throw new ConnectError(
      `embedder ${model} returned ${n} dimensions, expected ${EMBEDDING_DIMENSIONS}`,
      Code.FailedPrecondition,
    );
  }
  const v = Float32Array.from(raw as number[]);
  if (!v.every(Number.isFinite)) throw unavailable(`embedder ${model} returned non-finite values`);
  return l2Normalize(v);
}

/**
 * A client of an OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Azure
 * OpenAI, Ollama, vLLM, LocalAI...). Errors come back as status errors a
 * handler can pass on: a 400/413/422 means the input was refused
 * (InvalidArgument naming `text`), everything else (network, timeout, auth,
 * rate limit, 5xx) means the embedder is unavailable.
 */
export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const url = embeddingsUrl(options.url);
  const doFetch = options.fetch ?? fetch;
  const batchSize = options.batchSize ?? 128;
  const name = `openai:${options.model}`;

  const request = async (input: string[], signal?: AbortSignal): Promise<Float32Array[]> => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: options.model,
          input,
          encoding_format: 'float',
          ...(options.sendDimensions ? { dimensions: EMBEDDING_DIMENSIONS } : {}),
        }),
        signal: combined,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (timeout.aborted)
        throw unavailable(`embedder timed out after ${options.timeoutMs} ms`, err);
      throw unavailable('embedder unreachable', err);
    }
    if (!res.ok) {
      options.log?.warn(
        { status: res.status, upstream: await errorText(res), model: options.model },
        'embedder answered with an error',
      );
    }
    if (res.status === 400 || res.status === 413 || res.status === 422) {
      throw invalidArgument(
        'text',
        `refused by the embedder (HTTP ${res.status}: too long or not acceptable to the model)`,
      );
    }
    if (!res.ok) {
      throw unavailable(`embedder unavailable (HTTP ${res.status}: ${classify(res.status)})`);
    }
    let body: EmbeddingsResponse;
    try {
      body = (await res.json()) as EmbeddingsResponse;
    } catch (err) {
      throw unavailable('embedder sent a malformed response', err);
    }
    const data = body.data;
    if (!Array.isArray(data) || data.length !== input.length) {
      throw unavailable('embedder sent a malformed response');
    }
    const out = new Array<Float32Array>(input.length);
    data.forEach((d, i) => {
      // Servers should keep input order, but `index` is authoritative when present.
      const at = typeof d.index === 'number' ? d.index : i;
      if (at < 0 || at >= input.length || out[at]) {
        throw unavailable('embedder sent a malformed response');
      }
      out[at] = toVector(d.embedding, name);
    });
    return out;
  };

  return {
    name,
    dimensions: EMBEDDING_DIMENSIONS,
    async embed(texts, signal) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        out.push(...(await request(texts.slice(i, i + batchSize), signal)));
      }
      return out;
    },
  };
}
