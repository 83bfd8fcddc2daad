import { createContextClient, createScalerClient } from '@autoserve/proto';
import { Code, ConnectError } from '@connectrpc/connect';

const token = process.env.AUTOSERVE_TOKEN; // the token `npm start` printed
const scaler = createScalerClient({
  baseUrl: process.env.SCALER_URL ?? 'http://127.0.0.1:50052',
  token,
  timeoutMs: 5_000, // default deadline of every call
});
const context = createContextClient({
  baseUrl: process.env.CONTEXT_URL ?? 'http://127.0.0.1:50051',
  token,
});

try {
  // Write side: the registered apps (a per-call deadline overrides the default).
  const { apps } = await scaler.listApps({ pageSize: 10 }, { timeoutMs: 2_000 });
  console.log(
    `apps: ${apps.map((a) => `${a.name} ${a.replicas}/${a.desiredReplicas}`).join(', ') || 'none'}`,
  );

  // Read side: recent remediations of a namespace, and how fresh the answer is.
  const history = await context.listRemediationHistory({ namespace: 'demo', pageSize: 5 });
  const lag = history.readInfo?.replicaLag;
  console.log(
    `remediations: ${history.requests.length}, replica lag: ${lag ? Number(lag.seconds) + lag.nanos / 1e9 : 0}s`,
  );
} catch (err) {
  const e = ConnectError.from(err);
  console.error(`call failed: ${Code[e.code]}: ${e.rawMessage}`);
  process.exitCode = 1;
} finally {
  scaler.close();
  context.close();
}
