/** What `npm start` prints once both services answer: endpoints, token, calls to paste. */
import type { Stack } from './stack.js';

const BUF = 'npx buf curl --protocol grpc --http2-prior-knowledge';

export function banner(stack: Stack, seconds: number, color: boolean): string {
  const b = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const token = stack.token ?? '<a token from your AUTH_TOKENS>';
  const auth = `-H "authorization: Bearer ${token}"`;
  const { context, scaler } = stack;
  const pgPorts = [stack.cluster.primaryUrl, stack.cluster.replicaUrl].map((u) => new URL(u).port);
  const lines = [
    '',
    b(`autoserve is up (${seconds.toFixed(1)} s)`),
    '',
    `  Context service  grpc ${context.url}   metrics ${context.metricsUrl ?? 'off'}`,
    `  Scaler service   grpc ${scaler.url}   metrics ${scaler.metricsUrl ?? 'off'}`,
    `  Runtime          ${stack.runtime}${stack.dockerHost ? ` (DOCKER_HOST=${stack.dockerHost})` : ''}`,
    `  Runs only        ${stack.runtimeLimits}`,
    `  Postgres         primary 127.0.0.1:${pgPorts[0]}, replica 127.0.0.1:${pgPorts[1]}, database ${stack.database}`,
    `  Token            ${stack.token ? `${stack.token}  (write scope; fresh on every start)` : 'from AUTH_TOKENS / AUTH_DISABLED'}`,
    '',
    b('Try:'),
    `  ${BUF} --list-services ${context.url}`,
    `  ${BUF} --list-methods ${scaler.url}`,
    `  ${BUF} ${scaler.url}/grpc.health.v1.Health/Check`,
    `  ${BUF} ${auth} -d '{}' ${scaler.url}/autoserve.scaler.v1.ScalerService/ListApps`,
    `  ${BUF} --schema proto/protos ${auth} -d '{"namespace":"demo"}' ${context.url}/autoserve.context.v1.ContextService/ListRemediationHistory`,
    '',
    `  npm run demo   (a scripted tour on its own ports and database)`,
    '',
    'Ctrl-C stops both services. Postgres keeps running for the next start; `npm run stop` stops it.',
    '',
  ];
  return lines.join('\n');
}
