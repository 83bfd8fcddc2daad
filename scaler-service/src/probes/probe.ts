import { request } from 'node:http';
import { connect } from 'node:net';

/** A probe to run against one instance. */
export interface ProbeSpec {
  protocol: 'HTTP' | 'TCP';
  host: string;
  port: number;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  expectedStatusCodes: readonly number[];
  timeoutMs: number;
}

export interface ProbeResult {
  ok: boolean;
  /** "HTTP 503", "timeout after 1000 ms", "ECONNREFUSED", ... */
  detail: string;
  durationMs: number;
}

function tcpProbe(p: ProbeSpec): Promise<ProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: p.host, port: p.port });
    const done = (ok: boolean, detail: string) => {
      socket.destroy();
      resolve({ ok, detail, durationMs: Date.now() - started });
    };
    socket.setTimeout(p.timeoutMs, () => done(false, `timeout after ${p.timeoutMs} ms`));
    socket.once('connect', () => done(true, 'connected'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(false, err.code ?? err.message));
  });
}

function httpProbe(p: ProbeSpec): Promise<ProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      resolve({ ok, detail, durationMs: Date.now() - started });
    };
    const req = request(
      {
        host: p.host,
        port: p.port,
        path: p.path,
        method: p.method,
        headers: { ...p.headers, connection: 'close' },
        timeout: p.timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        done(p.expectedStatusCodes.includes(code), `HTTP ${code}`);
      },
    );
    req.on('timeout', () => {
      req.destroy();
      done(false, `timeout after ${p.timeoutMs} ms`);
    });
    req.on('error', (err: NodeJS.ErrnoException) => done(false, err.code ?? err.message));
    if (p.body) req.end(p.body);
    else req.end();
  });
}

/** One HTTP (method, path, headers, body, expected codes) or TCP connect probe with a timeout. */
export function runProbe(p: ProbeSpec): Promise<ProbeResult> {
  return p.protocol === 'TCP' ? tcpProbe(p) : httpProbe(p);
}
