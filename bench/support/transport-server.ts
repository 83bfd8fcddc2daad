/**
 * One server of the transport bench, in its own process so the load
 * generator does not share its event loop: `grpc-js` (our adapter and
 * interceptor chain, as the services run) or `connect` (connect-node's own
 * server), both serving the same handler object with the same bearer-token
 * check. Prints `PORT <n>` once listening.
 */
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { ScalerService } from '@autoserve/proto';
import { createAuthenticator, registerService, startGrpcServer } from '@autoserve/runtime';
import type { Interceptor, ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import pino from 'pino';

import { TRANSPORT_BENCH_TOKEN } from './transport-token.js';

const MAX = 4 * 1024 * 1024;

const auth = createAuthenticator({
  mode: 'tokens',
  tokens: [{ name: 'bench', token: TRANSPORT_BENCH_TOKEN, scopes: ['write'] }],
});
const scopeOf = (method: string) => (method === 'RegisterApp' ? 'write' : 'read');

/** The handler both servers run: a small GetApp answer, and RegisterApp doing nothing. */
const impl = {
  async getApp(req: { name: string }) {
    return { app: { name: req.name, desiredReplicas: 3, readyReplicas: 3 } };
  },
  async registerApp() {
    return {};
  },
} as unknown as ServiceImpl<typeof ScalerService>;

async function main(mode: string) {
  if (mode === 'grpc-js') {
    const server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
      auth,
      services: [registerService({ service: ScalerService, impl })],
    });
    process.stdout.write(`PORT ${server.port}\n`);
    return;
  }
  const authorize: Interceptor = (next) => async (req) => {
    auth.authorize(req.header.get('authorization') ?? undefined, scopeOf(req.method.name));
    return next(req);
  };
  const server = createServer(
    connectNodeAdapter({
      routes: (router) => router.service(ScalerService, impl),
      interceptors: [authorize],
      readMaxBytes: MAX,
      writeMaxBytes: MAX,
    }),
  );
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
  });
}

await main(process.argv[2] ?? 'grpc-js');
