import * as shared from '@autoserve/runtime';

/**
 * The Scaler's enum codecs are the shared ones (runtime/src/model/enums.ts), derived from the
 * generated enums: one definition for both services. Typed as plain-number codecs here, as the
 * Scaler's mappers and validators have always used them.
 */
export type EnumCodec = shared.EnumCodec;
export const appStatusCodec: EnumCodec = shared.appStatusCodec;
export const appModeCodec: EnumCodec = shared.appModeCodec;
export const instanceStatusCodec: EnumCodec = shared.instanceStatusCodec;
export const healthStatusCodec: EnumCodec = shared.healthStatusCodec;
export const eventTypeCodec: EnumCodec = shared.eventTypeCodec;
export const eventCategoryCodec: EnumCodec = shared.eventCategoryCodec;
export const severityCodec: EnumCodec = shared.severityCodec;
export const metricTypeCodec: EnumCodec = shared.metricTypeCodec;
export const aggregationLevelCodec: EnumCodec = shared.aggregationLevelCodec;
export const probeProtocolCodec: EnumCodec = shared.probeProtocolCodec;
export const probeMethodCodec: EnumCodec = shared.probeMethodCodec;
export const ratePolicyTypeCodec: EnumCodec = shared.ratePolicyTypeCodec;
export const selectPolicyCodec: EnumCodec = shared.selectPolicyCodec;
export const priorityCodec: EnumCodec = shared.priorityCodec;
export const remediationPhaseCodec: EnumCodec = shared.remediationPhaseCodec;
export const workflowPhaseCodec: EnumCodec = shared.workflowPhaseCodec;
export const actionResultCodec: EnumCodec = shared.actionResultCodec;
export const severityRank = shared.severityRank;
