import { MAX_MESSAGE_BYTES } from '@autoserve/runtime';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Request message limits of the Scaler RPCs that carry more than the
 * transport's 64 KiB default (checked before decoding, per message on
 * streams). Sized from what validation accepts: a metric batch may use the
 * whole 4 MiB frame; an app spec holds env and command lists; a remediation
 * record or an embedding's text holds up to a few dozen KB of text (UTF-8,
 * up to 4 bytes a character).
 */
export const SCALER_REQUEST_LIMITS: Readonly<Record<string, number>> = {
  IngestMetrics: MAX_MESSAGE_BYTES,
  StreamMetrics: MAX_MESSAGE_BYTES,
  StreamMetricsAcked: MAX_MESSAGE_BYTES,
  RegisterApp: MiB,
  UpdateApp: MiB,
  StoreIncidentEmbedding: 256 * KiB,
  RecordRemediationRequest: 256 * KiB,
  UpdateRemediationRequest: 256 * KiB,
  RecordRemediationProcessing: 256 * KiB,
  UpdateRemediationProcessing: 256 * KiB,
  RecordAiAnalysis: 256 * KiB,
  UpdateAiAnalysis: 256 * KiB,
  RecordWorkflowExecution: 256 * KiB,
  UpdateWorkflowExecution: 256 * KiB,
  RecordActionExecution: 256 * KiB,
  UpdateActionExecution: 256 * KiB,
};
