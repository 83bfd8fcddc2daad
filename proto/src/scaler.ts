export * from './gen/autoserve/scaler/v1/app_pb.js';
export * from './gen/autoserve/scaler/v1/decision_pb.js';
export * from './gen/autoserve/scaler/v1/health_check_pb.js';
export * from './gen/autoserve/scaler/v1/instance_pb.js';
export * from './gen/autoserve/scaler/v1/policy_pb.js';
export * from './gen/autoserve/scaler/v1/scaler_service_pb.js';
