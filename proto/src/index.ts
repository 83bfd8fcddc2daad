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
/**
 * Descriptors of grpc.health.v1 and grpc.reflection (v1, v1alpha), generated
 * by the same generator as our contracts from the .proto files the
 * grpc-health-check and @grpc/reflection packages ship (see buf.gen.yaml);
 * servers list them in reflection so buf curl and grpcurl resolve them.
 */
export { file_grpc_reflection_v1_reflection } from './gen/grpc/reflection/v1/reflection_pb.js';
export { file_grpc_reflection_v1alpha_reflection } from './gen/grpc/reflection/v1alpha/reflection_pb.js';
export { file_health_v1_health } from './gen/health/v1/health_pb.js';
export * as scaler from './scaler.js';
export { GuardedSessionManager } from './session-manager.js';
