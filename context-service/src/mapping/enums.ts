/**
 * The Context's names for the shared enum codecs (runtime/src/model/enums.ts): one definition,
 * derived from the generated enums, for both services.
 */
export {
  actionResultCodec as actionResult,
  eventCategoryCodec as eventCategory,
  eventTypeCodec as eventType,
  metricTypeCodec as metricType,
  priorityCodec as priority,
  remediationPhaseCodec as remediationPhase,
  severityCodec as severity,
  severityRank,
  workflowPhaseCodec as workflowPhase,
} from '@autoserve/runtime';
