// A tiny dependency-free HTTP app used as a workload in tests and benchmarks. The same file runs
// in the `autoserve/node-http:test` image (/app/server.js) and directly under the `process` runtime.
//   GET /healthz     -> 200 "ok"
//   GET /work?ms=N   -> N ms (default 20, max 10000) of CPU busy work, then 200 JSON
//   GET /metrics     -> Prometheus text format: http_requests_total{method,route,code} (counter),
//                       http_request_duration_seconds{route} (histogram), http_open_connections
//                       (gauge), written by hand: the image has no node_modules for prom-client
// Env: PORT (default 8080), HOST (default 127.0.0.1). SIGTERM/SIGINT close the server gracefully.
// An ES module: the image ships /app/package.json with "type": "module" next to it.
import http from 'node:http';

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || '127.0.0.1';
let requests = 0;

// Metrics, as prom-client's usual HTTP instrumentation names them.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const requestCounts = new Map(); // `${method}\t${route}\t${code}` -> count
const durations = new Map(); // route -> { counts: number[] (per bucket, non-cumulative), sum, count }
let openConnections = 0;

function routeOf(pathname) {
  return ['/', '/healthz', '/work', '/metrics'].includes(pathname) ? pathname : 'other';
}

function observe(method, route, code, seconds) {
  const key = `${method}\t${route}\t${code}`;
  requestCounts.set(key, (requestCounts.get(key) ?? 0) + 1);
  let d = durations.get(route);
  if (!d) {
    d = { counts: new Array(BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
    durations.set(route, d);
  }
  let i = BUCKETS.findIndex((b) => seconds <= b);
  if (i < 0) i = BUCKETS.length;
  d.counts[i]++;
  d.sum += seconds;
  d.count++;
}

function exposition() {
  const lines = [
    '# HELP http_requests_total Requests served.',
    '# TYPE http_requests_total counter',
  ];
  for (const [key, n] of requestCounts) {
    const [method, route, code] = key.split('\t');
    lines.push(`http_requests_total{method="${method}",route="${route}",code="${code}"} ${n}`);
  }
  lines.push(
    '# HELP http_request_duration_seconds Time from request to response end.',
    '# TYPE http_request_duration_seconds histogram',
  );
  for (const [route, d] of durations) {
    let cumulative = 0;
    BUCKETS.forEach((b, i) => {
      cumulative += d.counts[i];
      lines.push(`http_request_duration_seconds_bucket{route="${route}",le="${b}"} ${cumulative}`);
    });
    lines.push(`http_request_duration_seconds_bucket{route="${route}",le="+Inf"} ${d.count}`);
    lines.push(`http_request_duration_seconds_sum{route="${route}"} ${d.sum}`);
    lines.push(`http_request_duration_seconds_count{route="${route}"} ${d.count}`);
  }
  lines.push(
    '# HELP http_open_connections Open client connections.',
    '# TYPE http_open_connections gauge',
    `http_open_connections ${openConnections}`,
  );
  return `${lines.join('\n')}\n`;
}

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
  const started = process.hrtime.bigint();
  const url = new URL(req.url || '/', 'http://localhost');
  const method = req.method === 'GET' || req.method === 'HEAD' ? req.method : 'other';
  res.on('finish', () =>
    observe(
      method,
      routeOf(url.pathname),
      res.statusCode,
      Number(process.hrtime.bigint() - started) / 1e9,
    ),
  );
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
  if (url.pathname === '/metrics') {
    send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', exposition());
    return;
  }
  if (url.pathname === '/') {
    send(res, 200, 'text/plain', 'autoserve test app\n');
    return;
  }
  send(res, 404, 'text/plain', 'not found\n');
});

server.on('connection', (socket) => {
  openConnections++;
  socket.on('close', () => openConnections--);
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
