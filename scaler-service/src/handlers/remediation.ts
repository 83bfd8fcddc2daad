import { scaler } from '@autoserve/proto';
import { invalidArgument, withTx } from '@autoserve/runtime';
import {
  type ActionExecutionRow,
  type AiAnalysisRow,
  type RemediationProcessingRow,
  type RemediationRequestRow,
  toAction,
  toAnalysis,
  toProcessing,
  toRemediationRequest,
  toWorkflowExecution,
  type WorkflowExecutionRow,
} from '@autoserve/runtime/model';
import type { DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import type { Db } from '../queries/db.js';
import { insertEvent } from '../queries/events.js';
import { setIncidentPhase } from '../queries/incidents.js';
import {
  insertRecord,
  type RemediationTable,
  updateRecordOrThrow,
} from '../queries/remediation.js';
import { actionChange, actionColumns } from '../remediation/action.js';
import { analysisChange, analysisColumns } from '../remediation/analysis.js';
import { processingChange, processingColumns } from '../remediation/processing.js';
import { requestChange, requestColumns } from '../remediation/request.js';
import { workflowChange, workflowColumns } from '../remediation/workflow.js';
import { validateRequestId } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';
import { idempotent } from './idempotent.js';

/**
 * Remediation history writes: Record* inserts one record (idempotent by
 * request_id), Update* sets the fields the request carries. A remediation
 * request's creation and phase changes are also events, and its phase is
 * mirrored into its incident embedding so similarity filters stay current.
 */
export function createRemediationHandlers({ db }: Pick<WriteSideDeps, 'db'>) {
  const record = <I extends DescMessage, O extends DescMessage, R>(
    method: string,
    input: I,
    output: O,
    table: RemediationTable,
    columns: (req: MessageShape<I>) => Record<string, unknown>,
    toProto: (row: R) => unknown,
    after?: (tx: Db, row: R) => Promise<void>,
  ) => {
    return async (req: MessageShape<I>, ctx: HandlerContext) => {
      const requestId = validateRequestId((req as unknown as { requestId: string }).requestId);
      const values = columns(req);
      return withTx(db, { deadline: ctx }, (tx) =>
        idempotent(tx, { method, requestId, input, request: req, output }, async () => {
          const row = await insertRecord<R>(tx, table, values);
          await after?.(tx, row);
          return { record: toProto(row) } as unknown as MessageInitShape<O>;
        }),
      );
    };
  };
  const update = <R>(
    table: RemediationTable,
    what: string,
    toProto: (row: R) => unknown,
    after?: (tx: Db, row: R, change: Record<string, unknown>) => Promise<void>,
  ) => {
    return async (req: { id: bigint }, change: Record<string, unknown>, ctx: HandlerContext) => {
      if (req.id < 1n) throw invalidArgument('id', 'must be >= 1');
      return withTx(db, { deadline: ctx }, async (tx) => {
        const row = await updateRecordOrThrow<R>(tx, table, req.id, change, what);
        await after?.(tx, row, change);
        return { record: toProto(row) as never };
      });
    };
  };

  const requestEvent = async (
    tx: Db,
    row: RemediationRequestRow,
    change?: Record<string, unknown>,
  ) => {
    if (change && !('phase' in change)) return;
    if (change) {
      await setIncidentPhase(tx, row.id, row.phase);
    }
    await insertEvent(tx, {
      type: 'remediation',
      category: 'cluster',
      message: `remediation request ${row.namespace}/${row.name} ${change ? `is ${row.phase}` : 'recorded'}`,
      details: {
        id: Number(row.id),
        target: `${row.target_type}/${row.target_name}`,
        phase: row.phase,
      },
      severity: row.phase === 'Failed' ? 'warning' : 'info',
      source: 'api',
    });
  };

  const updRequest = update<RemediationRequestRow>(
    'remediation_requests',
    'remediation request',
    toRemediationRequest,
    requestEvent,
  );
  const updProcessing = update<RemediationProcessingRow>(
    'remediation_processing',
    'remediation processing',
    toProcessing,
  );
  const updAnalysis = update<AiAnalysisRow>('ai_analysis', 'AI analysis', toAnalysis);
  const updWorkflow = update<WorkflowExecutionRow>(
    'workflow_executions',
    'workflow execution',
    toWorkflowExecution,
  );
  const updAction = update<ActionExecutionRow>(
    'kubernetes_executions',
    'action execution',
    toAction,
  );

  return {
    recordRemediationRequest: record(
      'RecordRemediationRequest',
      scaler.RecordRemediationRequestRequestSchema,
      scaler.RecordRemediationRequestResponseSchema,
      'remediation_requests',
      (req) => requestColumns(req.record),
      toRemediationRequest,
      (tx, row: RemediationRequestRow) => requestEvent(tx, row),
    ),
    recordRemediationProcessing: record(
      'RecordRemediationProcessing',
      scaler.RecordRemediationProcessingRequestSchema,
      scaler.RecordRemediationProcessingResponseSchema,
      'remediation_processing',
      (req) => processingColumns(req.record),
      toProcessing,
    ),
    recordAiAnalysis: record(
      'RecordAiAnalysis',
      scaler.RecordAiAnalysisRequestSchema,
      scaler.RecordAiAnalysisResponseSchema,
      'ai_analysis',
      (req) => analysisColumns(req.record),
      toAnalysis,
    ),
    recordWorkflowExecution: record(
      'RecordWorkflowExecution',
      scaler.RecordWorkflowExecutionRequestSchema,
      scaler.RecordWorkflowExecutionResponseSchema,
      'workflow_executions',
      (req) => workflowColumns(req.record),
      toWorkflowExecution,
    ),
    recordActionExecution: record(
      'RecordActionExecution',
      scaler.RecordActionExecutionRequestSchema,
      scaler.RecordActionExecutionResponseSchema,
      'kubernetes_executions',
      (req) => actionColumns(req.record),
      toAction,
    ),
    updateRemediationRequest: (req: scaler.UpdateRemediationRequestRequest, ctx: HandlerContext) =>
      updRequest(req, requestChange(req), ctx),
    updateRemediationProcessing: (
      req: scaler.UpdateRemediationProcessingRequest,
      ctx: HandlerContext,
    ) => updProcessing(req, processingChange(req), ctx),
    updateAiAnalysis: (req: scaler.UpdateAiAnalysisRequest, ctx: HandlerContext) =>
      updAnalysis(req, analysisChange(req), ctx),
    updateWorkflowExecution: (req: scaler.UpdateWorkflowExecutionRequest, ctx: HandlerContext) =>
      updWorkflow(req, workflowChange(req), ctx),
    updateActionExecution: (req: scaler.UpdateActionExecutionRequest, ctx: HandlerContext) =>
      updAction(req, actionChange(req), ctx),
  };
}
