/**
 * `npm run compose -- up`: everything the compose stack needs, in order —
 * secrets checked, an engine found (or the private one of
 * scripts/docker-engine.sh started), the Debian base image pulled or
 * debootstrapped, the two images built (layer cache: seconds when nothing
 * changed), the stack started and waited on until both services answer
 * SERVING.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { checkHealth } from '../../../deploy/healthcheck.mjs';
import { findDockerEngine } from '../docker-detect.js';
import { REPO } from '../repo.js';
import { type ComposeOptions, compose } from './cli.js';
import { checkSecrets, composeEnv, ENV_RECIPE, firstToken } from './secrets.js';

export interface ComposeEndpoints {
  context: string;
  scaler: string;
  contextMetrics: string;
  scalerMetrics: string;
  primary: string;
  replica: string;
  contextToken: string | undefined;
  scalerToken: string | undefined;
}

/** Default ports: the same in both networking modes (COMPOSE_*_PORT overrides each). */
export function endpoints(env: NodeJS.ProcessEnv): ComposeEndpoints {
  const port = (name: string, fallback: number) => Number(env[`COMPOSE_${name}_PORT`] || fallback);
  const scheme = env.COMPOSE_TLS === '1' ? 'https' : 'http';
  return {
    context: `${scheme}://127.0.0.1:${port('CONTEXT_GRPC', 50051)}`,
    scaler: `${scheme}://127.0.0.1:${port('SCALER_GRPC', 50052)}`,
    contextMetrics: `http://127.0.0.1:${port('CONTEXT_METRICS', 9451)}/metrics`,
    scalerMetrics: `http://127.0.0.1:${port('SCALER_METRICS', 9452)}/metrics`,
    primary: `127.0.0.1:${port('PG_PRIMARY', 55432)}`,
    replica: `127.0.0.1:${port('PG_REPLICA', 55433)}`,
    contextToken: firstToken(env.CONTEXT_AUTH_TOKENS),
    scalerToken: firstToken(env.SCALER_AUTH_TOKENS),
  };
}

/**
 * The environment for compose: .env under the process environment, the
 * engine (DOCKER_HOST, started when none answers), its socket and group for
 * the Scaler's docker runtime, and a project name. Throws on missing secrets.
 */
export async function prepareEnv(
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
): Promise<NodeJS.ProcessEnv> {
  const out = composeEnv(env, `${REPO}/.env`);
  const problems = checkSecrets(out);
  if (problems.length > 0) {
    throw new Error(
      `compose needs its secrets (no defaults ship):\n  ${problems.join('\n  ')}\nGenerate them once with:  ${ENV_RECIPE}`,
    );
  }
  let dockerHost = await findDockerEngine(out);
  if (!dockerHost) {
    log('no Docker engine answers: starting the private one (scripts/docker-engine.sh up)');
    const line = execFileSync('bash', [`${REPO}/scripts/docker-engine.sh`, 'up'], {
      env: out,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    dockerHost = /^DOCKER_HOST=(\S+)/m.exec(line)?.[1];
    if (!dockerHost) throw new Error('scripts/docker-engine.sh up printed no DOCKER_HOST');
  }
  out.DOCKER_HOST = dockerHost;
  if (dockerHost.startsWith('unix://')) {
    const socket = dockerHost.slice('unix://'.length);
    out.COMPOSE_DOCKER_SOCKET ??= socket;
    out.DOCKER_GID ??= String(statSync(socket).gid);
  }
  out.COMPOSE_PROJECT_NAME ||= 'autoserve';
  return out;
}

const HOST_CAS = '/usr/local/share/ca-certificates';

/**
 * The host's locally added CA certificates, copied into the build context
 * (deploy/extra-ca): where egress goes through a TLS-inspecting proxy the
 * image build must trust what the host trusts to download Node and npm.
 */
export function syncExtraCas(dir = HOST_CAS): number {
  if (!existsSync(dir)) return 0;
  const crts = readdirSync(dir).filter((f) => f.endsWith('.crt'));
  for (const f of crts) copyFileSync(`${dir}/${f}`, `${REPO}/deploy/extra-ca/${f}`);
  return crts.length;
}

/** Builds the base image when missing, then both images (cached layers make this quick). */
export async function buildImages(opts: ComposeOptions, log: (l: string) => void): Promise<void> {
  const t0 = performance.now();
  syncExtraCas();
  execFileSync('bash', [`${REPO}/scripts/compose/base-image.sh`], {
    env: opts.env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // One service per image: postgres-primary builds the Postgres image, migrate the services'.
  await compose(opts, ['build', 'postgres-primary', 'migrate']);
  log(`images ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Polls grpc.health.v1 on both services until SERVING (or the deadline). */
export async function waitServing(
  e: ComposeEndpoints,
  timeoutMs: number,
  caFile?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const url of [e.context, e.scaler]) {
    const address = new URL(url).host;
    for (;;) {
      const status = await checkHealth(address, {
        timeoutMs: 1000,
        tls: Boolean(caFile),
        caFile,
      }).catch((err: Error) => String(err.message));
      if (status === 'SERVING') break;
      if (Date.now() > deadline) throw new Error(`${address} not SERVING: ${status}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
