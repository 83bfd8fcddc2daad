import { type ChildProcess, spawn } from 'node:child_process';
import { ContextService } from '@autoserve/proto';
import { type Client, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { REPO } from '../../test/support/cluster.js';

export const BENCH_TOKEN = 'bench-reader-token-0123456789';

/**
 * The context service in its own process (as deployed), so the load
 * generator and the server do not share one event loop.
 */
export async function startContextProcess(
  env: Record<string, string>,
  port: number,
  /** The service entry point; another build (e.g. a baseline checkout) for side-by-side runs. */
  main = `${REPO}/context-service/dist/main.js`,
): Promise<{ proc: ChildProcess; stop(): Promise<void> }> {
  // BENCH_SERVER_NODE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server.
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...flags, main], {
    env: {
      ...process.env,
      CONTEXT_GRPC_PORT: String(port),
      CONTEXT_METRICS_PORT: 'off',
      LOG_LEVEL: 'warn',
      AUTH_TOKENS: `bench:${BENCH_TOKEN}:read`,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const client = contextClient(port);
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      await client.listRemediationHistory(
        { pageSize: 1 },
        { headers: { authorization: `Bearer ${BENCH_TOKEN}` } },
      );
      break;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** A typed Context client over one HTTP/2 connection. */
export function contextClient(port: number): Client<typeof ContextService> {
  return createClient(ContextService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
}
