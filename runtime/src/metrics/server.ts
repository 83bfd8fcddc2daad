import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { metricsRegistry } from './registry.js';

/**
 * Every HTTP route the metrics server answers, with the credential it needs. /metrics needs
 * none by design (Prometheus scrapers carry no gRPC token); that is why it binds loopback
 * unless METRICS_HOST says otherwise. The auth-coverage test walks this table.
 */
export const METRICS_ROUTES: readonly { method: 'GET'; path: string; auth: 'none' }[] = [
  { method: 'GET', path: '/metrics', auth: 'none' },
];

export interface MetricsServer {
  /** Bound port (useful when 0 was asked). */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the registry in the Prometheus text format on GET /metrics. A
 * separate plain HTTP port, so scraping never competes with gRPC traffic
 * and needs no token.
 */
export async function startMetricsServer(options: {
  host: string;
  port: number;
  log: Logger;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (!METRICS_ROUTES.some((r) => r.method === req.method && r.path === path)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metricsRegistry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text);
      },
      (err: unknown) => {
        options.log.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  options.log.info({ host: options.host, port }, 'serving metrics');
  return {
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
