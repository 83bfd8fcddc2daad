/**
 * Seeds the remediation history the Context service answers from: past
 * incidents of the demo app with their workflow runs and embeddings, spread
 * over the last weeks, with a progress bar (or periodic lines off a TTY).
 */

import type { ServiceClient } from '@autoserve/proto';
import { common, type scaler } from '@autoserve/proto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { progress } from '../../bench/support/progress.js';

type Scaler = ServiceClient<typeof scaler.ScalerService>;

/** Incident kinds: signal, root cause, workflow, remediation, success odds. */
const KINDS = [
  {
    signal: 'HighRequestRate',
    cause: 'request rate far above the per-replica target after a traffic spike',
    workflow: 'scale-out',
    action: 'scaled out from 2 to 5 replicas',
    success: 0.9,
  },
  {
    signal: 'HighLatencyP95',
    cause: 'p95 latency above 250 ms under load; replicas CPU bound',
    workflow: 'scale-out',
    action: 'scaled out by 2 replicas',
    success: 0.8,
  },
  {
    signal: 'OOMKilled',
    cause: 'memory leak in the session cache; container killed at its memory limit',
    workflow: 'increase-memory',
    action: 'raised the memory limit to 512 MiB and restarted',
    success: 0.6,
  },
  {
    signal: 'CrashLoop',
    cause: 'bad configuration after a deploy; process exits at start',
    workflow: 'rollback',
    action: 'rolled back to the previous spec generation',
    success: 0.75,
  },
] as const;

/** Deterministic pseudo-random numbers so every demo run tells the same story. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

export interface Seeded {
  incidents: number;
}

/** Records `count` past incidents of `app` in namespace `namespace`. */
export async function seedHistory(
  client: Scaler,
  app: string,
  namespace: string,
  count: number,
): Promise<Seeded> {
  const random = rng(42);
  const bar = progress('  seeding remediation history', count);
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const created = new Date(now - ((count - i) * (20 * 86_400_000)) / count);
    const started = new Date(created.getTime() + 5_000);
    const ok = random() < kind.success;
    const completed = new Date(started.getTime() + (30 + random() * 240) * 1000);
    const name = `${app}-${kind.signal.toLowerCase()}-${i}`;
    const { record } = await client.recordRemediationRequest({
      requestId: `demo-seed-${i}`,
      record: {
        name,
        namespace,
        signalType: 'autoserve',
        signalName: kind.signal,
        signalNamespace: namespace,
        targetType: 'app',
        targetName: app,
        targetNamespace: namespace,
        environment: i % 3 === 0 ? 'staging' : 'production',
        priority: [common.Priority.P0, common.Priority.P1, common.Priority.P2][i % 3],
        phase: ok ? common.RemediationPhase.COMPLETED : common.RemediationPhase.FAILED,
        reason: ok ? '' : `${kind.workflow} did not clear the signal`,
        createdAt: timestampFromDate(created),
        startedAt: timestampFromDate(started),
        completedAt: timestampFromDate(completed),
        correlationId: `corr-${name}`,
      },
    });
    await client.recordWorkflowExecution({
      requestId: `demo-seed-wf-${i}`,
      record: {
        name: `${name}-wf`,
        namespace,
        remediationRequestRef: name,
        workflowName: kind.workflow,
        isAutoApproved: true,
        stepCount: 3,
        currentStep: 2,
        completedCount: ok ? 3 : 1,
        failedCount: ok ? 0 : 1,
        phase: ok ? common.WorkflowPhase.COMPLETED : common.WorkflowPhase.FAILED,
        createdAt: timestampFromDate(started),
        startedAt: timestampFromDate(started),
        completedAt: timestampFromDate(completed),
        correlationId: `corr-${name}`,
      },
    });
    await client.storeIncidentEmbedding({
      remediationRequestId: record!.id,
      content: {
        case: 'text',
        value: `${kind.signal} on app ${app} (${i % 2 ? 'production' : 'staging'}, ${2 + (i % 4)} replicas, peak ${80 + ((i * 37) % 200)} req/s): ${kind.cause}`,
      },
      rootCause: kind.cause,
      remediationAction: kind.action,
    });
    bar.tick();
  }
  bar.done();
  return { incidents: count };
}
