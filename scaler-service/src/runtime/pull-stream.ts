import type { Readable } from 'node:stream';

/** What a finished pull stream said. */
export interface PullStreamResult {
  /** The manifest digest the registry answered ("Digest: sha256:..."), if it said one. */
  digest: string | undefined;
  /** Bytes downloaded, as far as the progress lines tell. */
  bytes: number;
}

/**
 * Reads the engine's pull stream (JSON lines): the digest it reports, the
 * bytes downloaded, an error line as a failure; logs progress now and then.
 */
export function followPull(
  stream: Readable,
  signal: AbortSignal,
  onProgress: (p: { layers: number; bytes: number; total: number }) => void,
  everyMs: number,
): Promise<PullStreamResult> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let digest: string | undefined;
    let failed: string | undefined;
    const layers = new Map<string, { current: number; total: number }>();
    let lastReport = Date.now();
    const onAbort = () => {
      stream.destroy();
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const line = (text: string) => {
      let ev: {
        status?: string;
        id?: string;
        error?: string;
        errorDetail?: { message?: string };
        progressDetail?: { current?: number; total?: number };
      };
      try {
        ev = JSON.parse(text);
      } catch {
        return;
      }
      if (ev.error || ev.errorDetail) failed = ev.errorDetail?.message ?? ev.error;
      const m = /^Digest: (sha256:[0-9a-f]{64})$/.exec(ev.status ?? '');
      if (m) digest = m[1];
      if (ev.id && ev.progressDetail?.total) {
        layers.set(ev.id, {
          current: ev.progressDetail.current ?? 0,
          total: ev.progressDetail.total,
        });
      }
      if (Date.now() - lastReport >= everyMs) {
        lastReport = Date.now();
        onProgress(totals(layers));
      }
    };
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        line(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
    stream.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      if (buf.trim()) line(buf);
      if (failed !== undefined)
        reject(Object.assign(new Error(failed), { json: { message: failed } }));
      else resolve({ digest, bytes: totals(layers).bytes });
    });
  });
}

function totals(layers: Map<string, { current: number; total: number }>) {
  let bytes = 0;
  let total = 0;
  for (const l of layers.values()) {
    bytes += l.current;
    total += l.total;
  }
  return { layers: layers.size, bytes, total };
}
