/**
 * Contracts of the autoserve services: message schemas (protobuf-es) and
 * typed clients over Connect's gRPC transport.
 */

export {
  type ClientOptions,
  type ClientTls,
  createContextClient,
  createScalerClient,
  type ServiceClient,
} from './client.js';
export * as common from './common.js';
export * as context from './gen/autoserve/context/v1/context_service_pb.js';
export { ContextService } from './gen/autoserve/context/v1/context_service_pb.js';
export { ScalerService } from './gen/autoserve/scaler/v1/scaler_service_pb.js';
export * as scaler from './scaler.js';
