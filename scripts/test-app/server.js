// A tiny dependency-free HTTP app used as a workload in tests and benchmarks. The same file runs
// in the `autoserve/node-http:test` image (/app/server.js) and directly under the `process` runtime.
//   GET /healthz     -> 200 "ok"
//   GET /work?ms=N   -> N ms (default 20, max 10000) of CPU busy work, then 200 JSON
// Env: PORT (default 8080), HOST (default 127.0.0.1). SIGTERM/SIGINT close the server gracefully.
// An ES module: the image ships /app/package.json with "type": "module" next to it.
import http from 'node:http';

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || '127.0.0.1';
let requests = 0;

function busyWork(ms) {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  let x = 1;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 1000; i++) x = (x * 48271) % 2147483647;
  }
  return x;
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  requests++;
  const url = new URL(req.url || '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain', 'method not allowed\n');
    return;
  }
  if (url.pathname === '/healthz') {
    send(res, 200, 'text/plain', 'ok');
    return;
  }
  if (url.pathname === '/work') {
    const raw = url.searchParams.get('ms');
    const ms = raw === null || raw === '' ? 20 : Number(raw);
    if (!Number.isFinite(ms) || ms < 0 || ms > 10000) {
      send(
        res,
        400,
        'application/json',
        JSON.stringify({ error: 'ms must be a number in [0, 10000]' }),
      );
      return;
    }
    const started = process.hrtime.bigint();
    busyWork(ms);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    send(
      res,
      200,
      'application/json',
      JSON.stringify({ ok: true, ms, elapsedMs, pid: process.pid, port, requests }),
    );
    return;
  }
  if (url.pathname === '/') {
    send(res, 200, 'text/plain', 'autoserve test app\n');
    return;
  }
  send(res, 404, 'text/plain', 'not found\n');
});

server.keepAliveTimeout = 5000;
server.on('error', (err) => {
  console.error(JSON.stringify({ msg: 'server error', error: err.message }));
  process.exit(1);
});
server.listen(port, host, () => {
  console.log(JSON.stringify({ msg: 'listening', host, port, pid: process.pid }));
});

let closing = false;
function shutdown(signal) {
  if (closing) return;
  closing = true;
  console.log(JSON.stringify({ msg: 'shutting down', signal, requests }));
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  // Requests still in flight get a few seconds, then we go anyway.
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
