import { Priority } from '@autoserve/proto/common/v1';
import type { RunningService } from '@autoserve/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startContext, startScaler } from '../support/services.js';
import { auth, type ContextClient, contextClient, waitForReplica } from './context/fixture.js';
import { type ScalerClient, scalerClient } from './scaler/client.js';

const db = inject('db');

/**
 * The Scaler returns each record it writes from its node-postgres row; the Context's timeline
 * reads the same rows through to_jsonb() (numbers for int8, ISO text for timestamptz, JSON for
 * text[]). Both go through the one mapper of runtime/src/model, so the two services must
 * answer with equal messages for the same row; a per-service mapper drifts here first.
 */
describe('one record reads the same from the Scaler and the Context', () => {
  const tag = `parity-${process.pid}-${Date.now().toString(36)}`;
  let scalerSvc: RunningService;
  let contextSvc: RunningService;
  let s: ScalerClient;
  let c: ContextClient;
  beforeAll(async () => {
    scalerSvc = await startScaler(db);
    contextSvc = await startContext(db);
    s = scalerClient(scalerSvc.port);
    c = contextClient(contextSvc);
  });
  afterAll(async () => {
    await scalerSvc?.stop();
    await contextSvc?.stop();
  });

  it('request, processing, analysis, workflow and action', async () => {
    const ns = 'parity';
    const started = { seconds: BigInt(Math.floor(Date.now() / 1000) - 60), nanos: 0 };
    const written = [
      (
        await s.recordRemediationRequest({
          requestId: tag,
          record: {
            name: tag,
            namespace: ns,
            signalType: 'prometheus',
            signalName: 'HighCPU',
            signalNamespace: 'monitoring',
            targetType: 'deployment',
            targetName: 'web',
            targetNamespace: ns,
            priority: Priority.P2,
            correlationId: tag,
            labels: { team: 'core' },
            startedAt: started,
          },
        })
      ).record,
      (
        await s.recordRemediationProcessing({
          record: {
            name: `${tag}-p`,
            namespace: ns,
            remediationRequestRef: tag,
            enrichedContext: { pods: 3, nested: { ok: true } },
            contextQuality: 0.8,
            missingDataFields: ['logs', 'traces'],
            correlationId: tag,
          },
        })
      ).record,
      (
        await s.recordAiAnalysis({
          record: {
            name: `${tag}-a`,
            namespace: ns,
            remediationRequestRef: tag,
            temperature: 0.2,
            confidence: 0.7,
            tokensUsed: 1200,
            investigationTime: { seconds: 12n },
            correlationId: tag,
          },
        })
      ).record,
      (
        await s.recordWorkflowExecution({
          record: {
            name: `${tag}-w`,
            namespace: ns,
            remediationRequestRef: tag,
            workflowName: 'scale-out',
            stepCount: 2,
            startedAt: started,
            correlationId: tag,
          },
        })
      ).record,
      (
        await s.recordActionExecution({
          record: {
            name: `${tag}-x`,
            namespace: ns,
            workflowExecutionRef: `${tag}-w`,
            actionType: 'scale',
            actionData: { from: 2, to: 4 },
            targetType: 'app',
            targetName: 'web',
            targetNamespace: ns,
            validationWarnings: ['w1'],
            correlationId: tag,
          },
        })
      ).record,
    ];
    await waitForReplica(db);
    const timeline = await c.getRemediationTimeline(
      { key: { case: 'correlationId', value: tag } },
      auth,
    );
    const read = new Map(timeline.entries.map((e) => [e.record.case, e.record.value]));
    const kinds = ['request', 'processing', 'analysis', 'workflow', 'action'] as const;
    expect([...read.keys()].sort()).toEqual([...kinds].sort());
    kinds.forEach((kind, i) => {
      expect(read.get(kind), kind).toEqual(written[i]);
    });
  });
});
