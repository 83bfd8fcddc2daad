import type { InstanceRow } from '../../queries/instances.js';

/**
 * An instances row for unit tests: replica `id` of app "web", running and
 * healthy since a minute before `now`; `over` changes any column.
 */
export function fakeInstanceRow(
  id: number,
  over: Partial<InstanceRow> = {},
  now = Date.UTC(2025, 0, 1),
): InstanceRow {
  return {
    id,
    app_name: 'web',
    runtime: 'docker',
    container_id: `c${id}`,
    container_name: `web-${id}-x`,
    replica_index: id,
    ip: '127.0.0.1',
    port: 20000 + id,
    status: 'running',
    health_status: 'healthy',
    created_at: new Date(now - 60_000),
    updated_at: new Date(now - 60_000),
    started_at: new Date(now - 60_000),
    ready_at: new Date(now - 50_000),
    draining_since: null,
    last_health_check: null,
    failure_count: 0,
    consecutive_failures: 0,
    last_failure_at: null,
    exit_code: null,
    last_error: null,
    cpu_percent: 0,
    memory_percent: 0,
    memory_usage_bytes: '0',
    app_generation: '1',
    ...over,
  };
}
