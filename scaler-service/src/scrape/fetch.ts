import { request } from 'node:http';
import { isIP } from 'node:net';

/** One scrape request. */
export interface FetchTarget {
  /** The instance's own address (from the instances table, never from a caller). */
  host: string;
  port: number;
  path: string;
  timeoutMs: number;
  /** Largest body accepted, bytes. */
  maxBytes: number;
}

export type FetchResult = { ok: true; body: string } | { ok: false; error: string };

/** True for 127.0.0.0/8 and ::1 (and ::ffff:127.x): where instances listen here. */
export function isLoopback(host: string): boolean {
  const v = isIP(host);
  if (v === 4) return host.startsWith('127.');
  if (v === 6) return host === '::1' || host.toLowerCase().startsWith('::ffff:127.');
  return false;
}

/**
 * GETs an exposition with one deadline for the whole exchange (connect,
 * headers, body), no redirects, no keep-alive, and a body cap: a slow or
 * huge /metrics costs the Scaler at most `timeoutMs` and `maxBytes`. Refuses
 * any host that is not loopback, as a second guard behind the data model.
 * Never rejects.
 */
export function fetchExposition(t: FetchTarget): Promise<FetchResult> {
  if (!isLoopback(t.host)) {
    return Promise.resolve({ ok: false, error: `refused: ${t.host} is not a loopback address` });
  }
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: FetchResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = request(
      {
        host: t.host,
        port: t.port,
        path: t.path,
        method: 'GET',
        agent: false,
        headers: {
          accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1',
          'accept-encoding': 'identity',
          connection: 'close',
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          done({ ok: false, error: `HTTP ${res.statusCode}` });
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > t.maxBytes) {
          done({ ok: false, error: `body of ${declared} bytes exceeds ${t.maxBytes}` });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > t.maxBytes) done({ ok: false, error: `body exceeds ${t.maxBytes} bytes` });
          else chunks.push(c);
        });
        res.on('end', () => done({ ok: true, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err: NodeJS.ErrnoException) =>
          done({ ok: false, error: err.code ?? err.message }),
        );
      },
    );
    const timer = setTimeout(
      () => done({ ok: false, error: `timeout after ${t.timeoutMs} ms` }),
      t.timeoutMs,
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, error: err.code ?? err.message }),
    );
    req.end();
  });
}
