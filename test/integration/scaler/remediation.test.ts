import { common } from '@autoserve/proto';
import { Code } from '@connectrpc/connect';
import { describe, expect } from 'vitest';
import { refreshSuccessRates } from '../../../scaler-service/src/remediation/success-rates.js';
import { queryOnce } from '../../support/database.js';
import { serviceTest } from '../../support/fixtures.js';
import { expectCode } from './client.js';

const test = serviceTest();
const { RemediationPhase, WorkflowPhase, Priority, ActionResult } = common;

describe('Scaler remediation history writes', () => {
  const request = (name: string) => ({
    name,
    namespace: 'prod',
    signalType: 'prometheus',
    signalName: 'HighCPU',
    signalNamespace: 'monitoring',
    targetType: 'deployment',
    targetName: 'web',
    targetNamespace: 'prod',
    environment: 'production',
    priority: Priority.P1,
    labels: { team: 'core' },
  });

  test('records a remediation request idempotently and updates its phase as it progresses', async ({
    writer: c,
    db,
  }) => {
    const first = await c.recordRemediationRequest({ requestId: 'rr-1', record: request('rr-a') });
    expect(first.record).toMatchObject({
      name: 'rr-a',
      phase: RemediationPhase.PENDING,
      priority: Priority.P1,
      labels: { team: 'core' },
    });
    expect(first.record!.id).toBeGreaterThan(0n);
    expect(
      await c.recordRemediationRequest({ requestId: 'rr-1', record: request('rr-a') }),
    ).toEqual(first);
    await expectCode(
      c.recordRemediationRequest({ requestId: 'rr-1', record: request('rr-b') }),
      Code.AlreadyExists,
    );
    const id = first.record!.id;
    const started = { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 };
    const upd = await c.updateRemediationRequest({
      id,
      phase: RemediationPhase.PROCESSING,
      startedAt: started,
      message: 'working',
    });
    expect(upd.record).toMatchObject({
      phase: RemediationPhase.PROCESSING,
      message: 'working',
      startedAt: started,
      name: 'rr-a',
    });
    const evs = await queryOnce<{ message: string }>(
      db.ownerUrl,
      `SELECT message FROM events WHERE event_type = 'remediation' AND details->>'id' = $1 ORDER BY id`,
      [String(id)],
    );
    expect(evs.rows.map((r) => r.message)).toEqual([
      'remediation request prod/rr-a recorded',
      'remediation request prod/rr-a is Processing',
    ]);
    await expectCode(c.updateRemediationRequest({ id: 999_999_999n, message: 'x' }), Code.NotFound);
    await expectCode(
      c.updateRemediationRequest({ id: 0n }),
      Code.InvalidArgument,
      'id: must be >= 1',
    );
    await expectCode(
      c.recordRemediationRequest({ record: { ...request('x'), signalType: '' } }),
      Code.InvalidArgument,
      'record.signal_type: must be 1..50 characters',
    );
    await expectCode(c.recordRemediationRequest({}), Code.InvalidArgument, 'record: is required');
  });

  test('records processing, AI analysis, workflow and action executions and their updates', async ({
    writer: c,
    scalerPool: pool,
    db,
  }) => {
    const p = await c.recordRemediationProcessing({
      record: {
        name: 'proc-1',
        namespace: 'prod',
        remediationRequestRef: 'rr-a',
        enrichedContext: { pods: 3 },
        contextQuality: 0.8,
        missingDataFields: ['logs'],
      },
    });
    expect(p.record).toMatchObject({
      phase: 'Pending',
      contextQuality: 0.8,
      enrichedContext: { pods: 3 },
      missingDataFields: ['logs'],
    });
    expect(
      (
        await c.updateRemediationProcessing({
          id: p.record!.id,
          phase: 'Completed',
          contextQuality: 0.9,
        })
      ).record,
    ).toMatchObject({ phase: 'Completed', contextQuality: 0.9 });
    await expectCode(
      c.updateRemediationProcessing({ id: p.record!.id, contextQuality: 2 }),
      Code.InvalidArgument,
      'context_quality: must be 0..1',
    );

    const a = await c.recordAiAnalysis({
      record: {
        name: 'ai-1',
        namespace: 'prod',
        remediationRequestRef: 'rr-a',
        llmProvider: 'local',
        temperature: 0.2,
        confidence: 0.7,
        tokensUsed: 1200,
        investigationTime: { seconds: 12n },
      },
    });
    expect(a.record).toMatchObject({
      llmProvider: 'local',
      confidence: 0.7,
      tokensUsed: 1200,
      investigationTime: { seconds: 12n },
    });
    expect(
      (
        await c.updateAiAnalysis({
          id: a.record!.id,
          rootCause: 'memory leak',
          confidence: 0.95,
          phase: 'Completed',
        })
      ).record,
    ).toMatchObject({ rootCause: 'memory leak', confidence: 0.95 });
    await expectCode(
      c.recordAiAnalysis({
        record: { name: 'x', namespace: 'y', remediationRequestRef: 'z', confidence: 1.5 },
      }),
      Code.InvalidArgument,
      'record.confidence: must be 0..1',
    );

    const now = Date.now();
    const w = await c.recordWorkflowExecution({
      record: {
        name: 'wf-1',
        namespace: 'prod',
        remediationRequestRef: 'rr-a',
        workflowName: 'scale-out',
        stepCount: 2,
        startedAt: { seconds: BigInt(Math.floor(now / 1000) - 30), nanos: 0 },
      },
    });
    expect(w.record).toMatchObject({ phase: WorkflowPhase.PENDING, stepCount: 2 });
    const done = await c.updateWorkflowExecution({
      id: w.record!.id,
      phase: WorkflowPhase.COMPLETED,
      completedCount: 2,
      currentStep: 1,
      completedAt: { seconds: BigInt(Math.floor(now / 1000)), nanos: 0 },
    });
    expect(done.record).toMatchObject({ phase: WorkflowPhase.COMPLETED, completedCount: 2 });
    await expectCode(
      c.recordWorkflowExecution({
        record: {
          name: 'x',
          namespace: 'y',
          remediationRequestRef: 'z',
          workflowName: 'w',
          stepCount: 0,
        },
      }),
      Code.InvalidArgument,
      /^record.step_count/,
    );

    const act = await c.recordActionExecution({
      record: {
        name: 'act-1',
        namespace: 'prod',
        workflowExecutionRef: 'wf-1',
        actionType: 'scale',
        actionData: { from: 2, to: 4 },
        targetType: 'app',
        targetName: 'web',
        targetNamespace: 'prod',
        validationWarnings: ['w1'],
      },
    });
    expect(act.record).toMatchObject({
      actionType: 'scale',
      actionData: { from: 2, to: 4 },
      validationWarnings: ['w1'],
      actionResult: ActionResult.UNSPECIFIED,
    });
    const rolled = await c.updateActionExecution({
      id: act.record!.id,
      actionResult: ActionResult.FAILURE,
      isRolledBack: true,
      rollbackReason: 'probe failed',
    });
    expect(rolled.record).toMatchObject({
      actionResult: ActionResult.FAILURE,
      isRolledBack: true,
      rollbackReason: 'probe failed',
    });
    await expectCode(c.updateActionExecution({ id: 999_999_999n, phase: 'x' }), Code.NotFound);

    // The success-rates view picks the completed workflow up on refresh.
    await refreshSuccessRates(pool);
    const rates = await queryOnce<{ successful: string }>(
      db.ownerUrl,
      `SELECT successful FROM workflow_success_rates WHERE namespace = 'prod' AND workflow_name = 'scale-out'`,
    );
    expect(Number(rates.rows[0]?.successful)).toBeGreaterThanOrEqual(1);
  });

  test('stores incident embeddings from a vector or from text, copying the request fields', async ({
    writer: c,
    db,
  }) => {
    const rr = await c.recordRemediationRequest({ record: request('rr-emb') });
    const id = rr.record!.id;
    const values = Array.from({ length: 1536 }, (_, i) => Math.sin(i));
    const v = await c.storeIncidentEmbedding({
      remediationRequestId: id,
      content: { case: 'vector', value: { values, embedder: 'test-v1' } },
      rootCause: 'leak',
    });
    expect(v.incident).toMatchObject({
      remediationRequestId: id,
      namespace: 'prod',
      targetType: 'deployment',
      targetName: 'web',
      signalType: 'prometheus',
      signalName: 'HighCPU',
      phase: RemediationPhase.PENDING,
      embedder: 'test-v1',
      rootCause: 'leak',
    });
    const t = await c.storeIncidentEmbedding({
      remediationRequestId: id,
      content: { case: 'text', value: 'web pods OOMKilled after deploy' },
      remediationAction: 'rollback',
    });
    expect(t.incident).toMatchObject({
      id: v.incident!.id,
      embedder: 'hash-v1',
      remediationAction: 'rollback',
      rootCause: '',
    });
    const row = await queryOnce<{
      priority: string;
      environment: string;
      content_hash: string | null;
      n: number;
    }>(
      db.ownerUrl,
      'SELECT priority, environment, content_hash, vector_dims(embedding) AS n FROM incident_embeddings WHERE remediation_request_id = $1',
      [id.toString()],
    );
    expect(row.rows[0]).toMatchObject({ priority: 'P1', environment: 'production', n: 1536 });
    expect(row.rows[0]!.content_hash).toMatch(/^[0-9a-f]{64}$/);
    // The request's phase follows into the embedding.
    await c.updateRemediationRequest({ id, phase: RemediationPhase.COMPLETED });
    const phase = await queryOnce<{ phase: string }>(
      db.ownerUrl,
      'SELECT phase FROM incident_embeddings WHERE remediation_request_id = $1',
      [id.toString()],
    );
    expect(phase.rows[0]!.phase).toBe('Completed');

    await expectCode(
      c.storeIncidentEmbedding({
        remediationRequestId: 999_999_999n,
        content: { case: 'text', value: 'x' },
      }),
      Code.NotFound,
    );
    await expectCode(
      c.storeIncidentEmbedding({ remediationRequestId: id }),
      Code.InvalidArgument,
      /^content:/,
    );
    await expectCode(
      c.storeIncidentEmbedding({
        remediationRequestId: id,
        content: { case: 'vector', value: { values: [1, 2], embedder: 'x' } },
      }),
      Code.InvalidArgument,
      'vector.values: must have 1536 values',
    );
    await expectCode(
      c.storeIncidentEmbedding({
        remediationRequestId: id,
        content: { case: 'vector', value: { values: new Array(1536).fill(0), embedder: 'x' } },
      }),
      Code.InvalidArgument,
      'vector.values: must not be all zero',
    );
    await expectCode(
      c.storeIncidentEmbedding({
        remediationRequestId: id,
        content: { case: 'vector', value: { values, embedder: '' } },
      }),
      Code.InvalidArgument,
      /^vector.embedder/,
    );
  });
});
