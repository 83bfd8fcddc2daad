export * from './gen/autoserve/common/v1/auth_pb.js';
export * from './gen/autoserve/common/v1/event_pb.js';
export * from './gen/autoserve/common/v1/metric_pb.js';
export * from './gen/autoserve/common/v1/read_info_pb.js';
export * from './gen/autoserve/common/v1/remediation_pb.js';
