import { timestampOf } from '@autoserve/runtime';
import type { AppRow, AppSummaryRow } from '../queries/apps.js';
import type { InstanceRow } from '../queries/instances.js';
import {
  appModeCodec,
  appStatusCodec,
  healthStatusCodec,
  instanceStatusCodec,
} from '../validation/enums.js';
import { specToProto } from '../validation/spec.js';

/** Database rows -> message init objects, shared by the RPC families. */

/** `{ key: Timestamp }` when the date is set, `{}` otherwise (message fields stay unset). */
function opt<K extends string>(key: K, d: Date | null | undefined) {
  return (d ? { [key]: timestampOf(d) } : {}) as Partial<Record<K, ReturnType<typeof timestampOf>>>;
}

export function appToProto(row: AppRow) {
  return {
    name: row.name,
    spec: specToProto(row.spec),
    status: appStatusCodec.fromDb(row.status),
    mode: appModeCodec.fromDb(row.mode),
    replicas: row.replicas,
    desiredReplicas: row.desired_replicas,
    ...opt('lastScaledAt', row.last_scaled_at),
    createdAt: timestampOf(row.created_at),
    updatedAt: timestampOf(row.updated_at),
    generation: BigInt(row.generation),
    // Only the current generation's pin: during a rollout the old one is not what new instances run.
    imageDigest: row.image_generation === row.generation ? (row.image_digest ?? '') : '',
  };
}

export function appSummaryToProto(row: AppSummaryRow) {
  return {
    name: row.name,
    status: appStatusCodec.fromDb(row.status),
    mode: appModeCodec.fromDb(row.mode),
    replicas: row.replicas,
    desiredReplicas: row.desired_replicas,
    runningInstances: row.running_instances,
    healthyInstances: row.healthy_instances,
    avgCpuPercent: row.avg_cpu_percent,
    avgMemoryPercent: row.avg_memory_percent,
    createdAt: timestampOf(row.created_at),
    updatedAt: timestampOf(row.updated_at),
    ...opt('lastScaledAt', row.last_scaled_at),
  };
}

export function instanceToProto(row: InstanceRow) {
  return {
    id: BigInt(row.id),
    appName: row.app_name,
    containerId: row.container_id,
    containerName: row.container_name,
    replicaIndex: row.replica_index,
    ip: row.ip,
    port: row.port,
    status: instanceStatusCodec.fromDb(row.status),
    healthStatus: healthStatusCodec.fromDb(row.health_status),
    runtime: row.runtime,
    createdAt: timestampOf(row.created_at),
    updatedAt: timestampOf(row.updated_at),
    ...opt('startedAt', row.started_at),
    ...opt('lastHealthCheck', row.last_health_check),
    failureCount: row.failure_count,
    consecutiveFailures: row.consecutive_failures,
    ...opt('lastFailureAt', row.last_failure_at),
    cpuPercent: row.cpu_percent,
    memoryPercent: row.memory_percent,
    memoryUsageBytes: BigInt(row.memory_usage_bytes),
    ...opt('drainingSince', row.draining_since),
    lastError: row.last_error ?? '',
    appGeneration: BigInt(row.app_generation ?? 0),
    imageDigest: row.image_digest ?? '',
  };
}
