/**
 * `npm run demo`: a scripted tour of autoserve on its own database and free
 * ports. Registers an app with a metrics source (its own /metrics, scraped by
 * the Scaler), drives a bounded load on loopback, shows the
 * scaling decisions with their reasons as they stream in, records
 * remediations with embeddings, then asks the Context service for similar
 * incidents, success rates and the app's history. Stops everything at the end.
 *
 * Env: AUTOSERVE_DB (default autoserve_demo, recreated), DEMO_LOAD_SECONDS
 * (20), DEMO_RPS (120), DEMO_SEED (24 past incidents), SCALER_RUNTIME
 * (default process; docker starts the private engine and pulls the app's
 * image from a loopback registry on DEMO_REGISTRY_PORT, default 55500),
 * PG_* as for npm start.
 */
import { type common, createContextClient, createScalerClient, scaler } from '@autoserve/proto';
import { driveLoad } from './demo/load.js';
import { DEMO_METRICS_SOURCE } from './demo/metrics-source.js';
import { type DemoRegistry, ensureDockerEngine, publishDemoImage } from './demo/registry.js';
import { seedHistory } from './demo/seed.js';
import {
  showDecisions,
  showHistory,
  showScalingEvents,
  showSimilar,
  showSuccessRates,
} from './demo/show.js';
import { watchEvents } from './demo/watch.js';
import { formatLogLine } from './lib/log-format.js';
import { dropDatabase, pgUp } from './lib/pg-harness.js';
import { REPO } from './lib/repo.js';
import { startStack } from './lib/stack.js';

const APP = 'demo-web';
const NAMESPACE = 'demo';
const started = performance.now();
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback) || fallback;
let stepNo = 0;
const step = (title: string) => console.log(`\n${bold(`${++stepNo}. ${title}`)}`);
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

const env: NodeJS.ProcessEnv = {
  ...process.env,
  AUTOSERVE_DB: process.env.AUTOSERVE_DB || 'autoserve_demo',
  CONTEXT_GRPC_PORT: process.env.DEMO_CONTEXT_PORT ?? '0',
  SCALER_GRPC_PORT: process.env.DEMO_SCALER_PORT ?? '0',
  CONTEXT_METRICS_PORT: '0',
  SCALER_METRICS_PORT: '0',
  SCALER_RUNTIME: process.env.SCALER_RUNTIME || 'process',
  AUTH_TOKENS: '',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  // Fresh success rates and snappy control for a tour that lasts a minute.
  SUCCESS_RATES_REFRESH_INTERVAL: '2s',
};

if (env.SCALER_RUNTIME === 'docker') {
  if (!env.DOCKER_HOST) env.DOCKER_HOST = await ensureDockerEngine();
  // The operator's allow-list (SECURITY.md) admits the demo's own loopback registry too.
  const port = process.env.DEMO_REGISTRY_PORT || '55500';
  env.SCALER_ALLOWED_IMAGES ||= `autoserve/*,127.0.0.1:${port}/autoserve/*`;
}

console.log(bold('autoserve demo'));
step('Start Postgres primary + replica, migrations, both services');
const quiet = (line: string) => console.log(`  [start] ${line}`);
// The tour's database starts empty every run.
const cluster = await pgUp(env, () => {});
await dropDatabase(cluster.primaryUrl, env.AUTOSERVE_DB!);
const stack = await startStack({
  env,
  log: (line) => {
    if (!line.startsWith('[pg]')) quiet(line);
  },
  onServiceLine: (service, line) => console.log(`  ${formatLogLine(service, line, color)}`),
});
let stopping = false;
const stopAll = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));
console.log(
  `  Scaler ${stack.scaler.url}, Context ${stack.context.url}, runtime ${stack.runtime} (${elapsed()})`,
);

const token = stack.token!;
const scalerClient = createScalerClient({ baseUrl: stack.scaler.url, token, timeoutMs: 10_000 });
const contextClient = createContextClient({ baseUrl: stack.context.url, token, timeoutMs: 10_000 });
const events = new AbortController();
let watchingDone = async () => {};
const scalingEvents: common.Event[] = [];
let registry: DemoRegistry | undefined;

try {
  if (stack.runtime === 'docker' && stack.dockerHost) {
    const port = num('DEMO_REGISTRY_PORT', 55500);
    step(`Publish the app's image to a registry on loopback (docker-registry, 127.0.0.1:${port})`);
    registry = await publishDemoImage({ dockerHost: stack.dockerHost, port });
    console.log(
      `  pushed ${registry.image} (${registry.digest}); the engine has no copy by that name`,
    );
  }
  step(`Register app ${APP} (auto mode, 1..4 replicas, target 40 requests/s per replica)`);
  const { app } = await scalerClient.registerApp({
    requestId: 'demo-register',
    name: APP,
    spec: registry
      ? {
          image: registry.image,
          pullPolicy: scaler.ImagePullPolicy.IF_NOT_PRESENT,
          // Scaled on its own /metrics, scraped by the Scaler: no ingest client.
          metricsSource: DEMO_METRICS_SOURCE,
        }
      : {
          image: 'autoserve/node-http:test',
          command: [process.execPath, `${REPO}/scripts/test-app/server.js`],
          metricsSource: DEMO_METRICS_SOURCE,
        },
    mode: scaler.AppMode.AUTO,
    initialReplicas: 1,
    scalingPolicy: {
      minReplicas: 1,
      maxReplicas: 4,
      targetRpsPerReplica: 40,
      maxP95LatencyMs: 0,
      maxCpuPercent: 0,
      maxMemoryPercent: 0,
      maxConnectionsPerReplica: 0,
      cooldown: { seconds: 5n },
      evaluationWindow: { seconds: 10n },
    },
    healthCheck: {
      path: '/healthz',
      initialDelay: { seconds: 0n },
      period: { seconds: 1n },
      timeout: { seconds: 1n },
    },
    start: true,
  });
  console.log(
    `  registered: status ${scaler.AppStatus[app!.status]}, desired replicas ${app!.desiredReplicas}`,
  );

  step('Watch events as they stream in (WatchEvents)');
  const watching: Promise<void> = watchEvents(
    scalerClient,
    APP,
    events.signal,
    (line) => console.log(line),
    scalingEvents,
  );
  watchingDone = () => watching;

  step('Wait for the first instance to run');
  const running = await waitRunning(scalerClient, 60_000);
  console.log(
    running
      ? `  ${running} instance(s) running`
      : '  no instance came up (is the control loop running?)',
  );
  if (registry) {
    const got = await scalerClient.getApp({ name: APP });
    console.log(
      `  pulled from the registry and pinned: generation ${got.app?.generation} runs ${got.app?.imageDigest || '?'}; instances: ${got.instances.map((i) => i.imageDigest || '?').join(', ')}`,
    );
  }

  const seconds = num('DEMO_LOAD_SECONDS', 20);
  const rps = num('DEMO_RPS', 120);
  step(
    `Drive ${rps} requests/s on loopback for ${seconds} s; the Scaler scrapes the app's /metrics`,
  );
  const answered = await driveLoad(scalerClient, {
    app: APP,
    rps,
    seconds,
    onSecond: (s) => {
      if (s.second % 4 === 0 || s.second === 1)
        console.log(
          `  t=${String(s.second).padStart(2)}s  instances ${s.instances}  ${s.rps} req/s  p95 ${s.p95Ms.toFixed(1)} ms`,
        );
    },
  });
  console.log(`  ${answered} requests answered`);

  step('Scaling decisions with their reasons (ListScalingDecisions)');
  await waitFor(
    async () => (await scalerClient.getApp({ name: APP })).app!.desiredReplicas > 1,
    10_000,
  );
  if ((await showDecisions(scalerClient, APP)) === 0) {
    if (scalingEvents.length > 0) showScalingEvents(scalingEvents);
    else console.log('  (no scaling decision yet: is the autoscaler running?)');
  }

  step(
    'Record remediations with embeddings (RecordRemediationRequest, RecordWorkflowExecution, StoreIncidentEmbedding)',
  );
  await seedHistory(scalerClient, APP, NAMESPACE, num('DEMO_SEED', 24));

  step('Context service: incidents similar to what just happened (SearchSimilarIncidents)');
  await waitFor(async () => {
    const r = await contextClient.listRemediationHistory({ namespace: NAMESPACE, pageSize: 1 });
    return r.requests.length > 0;
  }, 10_000);
  await showSimilar(
    contextClient,
    NAMESPACE,
    `request rate far above target on ${APP} during a traffic spike`,
  );

  step('Context service: workflow success rates over 30 days (GetWorkflowSuccessRates)');
  await showSuccessRates(contextClient, NAMESPACE);

  step(`Context service: the history of ${APP} (ListAppEvents, GetAppMetrics)`);
  await showHistory(contextClient, APP);

  step('Clean up: delete the app, stop the services');
  await scalerClient.deleteApp({ requestId: 'demo-delete', name: APP });
  await waitFor(async () => {
    const { apps } = await scalerClient.listApps({});
    return !apps.some((a) => a.name === APP);
  }, 15_000);
} finally {
  // Also on failure: no instance should outlive the tour.
  await scalerClient.deleteApp({ name: APP }).catch(() => undefined);
  events.abort();
  await watchingDone();
  scalerClient.close();
  contextClient.close();
  await stopAll();
  await registry?.stop().catch(() => undefined);
}
console.log(
  `\n${bold(`Demo complete in ${elapsed()}.`)} Postgres keeps running; database ${env.AUTOSERVE_DB} is left for a look (npm run stop stops Postgres).`,
);

async function waitRunning(client: typeof scalerClient, timeoutMs: number): Promise<number> {
  let count = 0;
  await waitFor(async () => {
    const { instances } = await client.listInstances({ appName: APP });
    count = instances.filter((i) => i.status === scaler.InstanceStatus.RUNNING).length;
    return count > 0;
  }, timeoutMs);
  return count;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      // not yet
    }
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}
