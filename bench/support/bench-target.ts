/**
 * `--target compose` for the context and ingest benchmarks: instead of the
 * local harness and a service process of their own, they seed and measure the
 * compose stack — its Postgres (superuser, database `autoserve`) and the
 * service containers (host PIDs for the CPU figures, since containers are
 * host processes). Without the flag they keep their local setup.
 */
import { execFileSync } from 'node:child_process';
import { composeOutput } from '../../scripts/lib/compose/cli.js';
import { endpoints, prepareEnv } from '../../scripts/lib/compose/stack.js';

export interface ComposeService {
  port: number;
  token: string;
  /** Host PID of the container's main process. */
  pid: number;
}

export interface ComposeBenchTarget {
  /** Superuser URLs (database postgres) of the compose primary and replica. */
  primaryUrl: string;
  replicaUrl: string;
  /** The database the compose services serve. */
  database: 'autoserve';
  /** autoserve_context's password (the compose roles have passwords; the harness trusts loopback). */
  contextPassword: string;
  context: ComposeService;
  scaler: ComposeService;
}

/** `url` with the password replaced. */
export function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** Undefined unless `--target compose` is among the args. */
export async function composeBenchTarget(args: string[]): Promise<ComposeBenchTarget | undefined> {
  const i = args.indexOf('--target');
  if (i < 0) return undefined;
  if (args[i + 1] !== 'compose') throw new Error('--target: only "compose" (or leave it out)');
  const env = await prepareEnv(process.env, () => {});
  const e = endpoints(env);
  const pid = (service: string) => {
    const id = composeOutput({ env }, ['ps', '-q', service]).trim();
    if (!id) throw new Error(`compose service ${service} is not running: npm run compose -- up`);
    return Number(
      execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', id], { env, encoding: 'utf8' }),
    );
  };
  const su = (hostPort: string) =>
    `postgres://postgres:${env.POSTGRES_PASSWORD}@${hostPort}/postgres`;
  return {
    primaryUrl: su(e.primary),
    replicaUrl: su(e.replica),
    database: 'autoserve',
    contextPassword: env.CONTEXT_DB_PASSWORD ?? '',
    context: { port: Number(new URL(e.context).port), token: e.contextToken!, pid: pid('context') },
    scaler: { port: Number(new URL(e.scaler).port), token: e.scalerToken!, pid: pid('scaler') },
  };
}
