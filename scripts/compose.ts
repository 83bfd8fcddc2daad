/**
 * `npm run compose -- <command>`: the whole stack in containers (Postgres
 * primary + streaming replica, migrations, both services) with host
 * networking on loopback ports.
 *
 *   up [--no-build] [--tls]
 *                     build what is needed, start, wait for SERVING, print endpoints and tokens;
 *                     --tls (or COMPOSE_TLS=1) serves TLS (docker-compose.tls.yml, COMPOSE_TLS_DIR)
 *   down [-v]         stop and remove the containers (-v: and the data volumes)
 *   ps | logs [...]   passed to docker-compose
 *   env               print a fresh set of secrets for .env (npm run compose -- env > .env)
 *
 * Env: the secrets (README, "Run with Docker Compose"), COMPOSE_*_PORT,
 * COMPOSE_PROJECT_NAME (autoserve), DOCKER_HOST (else the first engine that
 * answers, else scripts/docker-engine.sh's).
 */
import { compose } from './lib/compose/cli.js';
import { generateSecrets } from './lib/compose/secrets.js';
import { buildImages, endpoints, prepareEnv, waitServing } from './lib/compose/stack.js';
import { ensureTlsDir } from './lib/compose/tls.js';

const say = (line: string) => process.stderr.write(`[compose] ${line}\n`);
const [cmd = 'up', ...rest] = process.argv.slice(2);

function banner(env: NodeJS.ProcessEnv, seconds: number): string {
  const e = endpoints(env);
  const buf =
    env.COMPOSE_TLS === '1'
      ? `npx buf curl --protocol grpc --cacert ${env.COMPOSE_TLS_DIR}/ca.crt`
      : 'npx buf curl --protocol grpc --http2-prior-knowledge';
  return [
    '',
    `autoserve is up in containers (${seconds.toFixed(1)} s, project ${env.COMPOSE_PROJECT_NAME})`,
    '',
    `  Context service  grpc ${e.context}   metrics ${e.contextMetrics}`,
    `  Scaler service   grpc ${e.scaler}   metrics ${e.scalerMetrics}`,
    `  Postgres         primary ${e.primary}, replica ${e.replica}, database autoserve`,
    `  Context token    ${e.contextToken}  (read scope, Context only)`,
    `  Scaler token     ${e.scalerToken}  (write scope, Scaler only)`,
    '',
    'Try:',
    `  ${buf} --list-services ${e.context}`,
    `  ${buf} -H "authorization: Bearer ${e.scalerToken}" -d '{}' ${e.scaler}/autoserve.scaler.v1.ScalerService/ListApps`,
    `  npm run bench -- load --target compose`,
    '',
    'npm run compose -- down   stops it (-v also drops the data volumes).',
    '',
  ].join('\n');
}

try {
  if (cmd === 'env') {
    process.stdout.write(generateSecrets());
  } else {
    const t0 = performance.now();
    const env = await prepareEnv(process.env, say);
    if (rest.includes('--tls')) env.COMPOSE_TLS = '1';
    const tls = env.COMPOSE_TLS === '1';
    if (tls) env.COMPOSE_TLS_DIR = ensureTlsDir(env, say);
    const opts = { env, tls };
    if (cmd === 'up') {
      if (!rest.includes('--no-build')) await buildImages(opts, say);
      await compose(opts, ['up', '-d', '--remove-orphans']);
      await waitServing(
        endpoints(env),
        Number(env.COMPOSE_READY_TIMEOUT_MS || 180_000),
        tls ? `${env.COMPOSE_TLS_DIR}/ca.crt` : undefined,
      );
      process.stdout.write(banner(env, (performance.now() - t0) / 1000));
    } else if (cmd === 'down') {
      await compose(opts, ['down', '--remove-orphans', ...rest]);
    } else if (cmd === 'ps' || cmd === 'logs' || cmd === 'build' || cmd === 'restart') {
      await compose(opts, [cmd, ...rest]);
    } else {
      say(`unknown command ${cmd}: up | down [-v] | ps | logs | env`);
      process.exitCode = 2;
    }
  }
} catch (err) {
  say((err as Error).message);
  process.exitCode = 1;
}
