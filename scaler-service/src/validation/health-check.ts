import type { scaler } from '@autoserve/proto';
import {
  checkInt,
  checkLength,
  checkStringMap,
  durationSeconds,
  invalidArgument,
  timestampOf,
} from '@autoserve/runtime';
import { HEALTH_CHECK_DEFAULTS, type HealthCheckRow } from '@autoserve/runtime/model';
import { probeMethodCodec, probeProtocolCodec } from './enums.js';

export type { HealthCheckRow };

const D = HEALTH_CHECK_DEFAULTS;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Validates a health check and fills the seed's defaults for unset fields. */
export function normalizeHealthCheck(
  hc: scaler.HealthCheck | undefined,
  field = 'health_check',
): HealthCheckRow {
  const protocol = (probeProtocolCodec.toDb(hc?.protocol ?? 0) ??
    D.protocol) as HealthCheckRow['protocol'];
  const method = (probeMethodCodec.toDb(hc?.method ?? 0) ?? D.method) as HealthCheckRow['method'];
  let path: string | null = null;
  if (protocol === 'HTTP') {
    path = hc?.path ? checkLength(`${field}.path`, hc.path, 1, 500) : D.path!;
    if (!path.startsWith('/')) throw invalidArgument(`${field}.path`, 'must start with "/"');
  }
  // The prober only ever targets the instance it checks (its own address and port): a port
  // here would let a write token probe any loopback service (the database, the Scaler).
  if (hc?.port) {
    throw invalidArgument(
      `${field}.port`,
      "must be 0: probes always target the instance's own port",
    );
  }
  const port = null;
  const headers = checkStringMap(`${field}.headers`, hc?.headers ?? {}, {
    maxEntries: 32,
    keyMax: 100,
    valueMax: 1024,
    keyPattern: HEADER_NAME,
    keyRule: 'must be an HTTP header name',
  });
  if (Object.keys(headers).some((k) => k.toLowerCase() === 'host')) {
    throw invalidArgument(
      `${field}.headers["host"]`,
      'is set by the prober to the instance address',
    );
  }
  const body = hc?.body ? hc.body : null;
  if (body !== null && Buffer.byteLength(body) > 65_536) {
    throw invalidArgument(`${field}.body`, 'must be at most 64 KiB');
  }
  const codes = hc?.expectedStatusCodes.length
    ? [...hc.expectedStatusCodes]
    : [...D.expected_status_codes];
  if (codes.length > 32)
    throw invalidArgument(`${field}.expected_status_codes`, 'must have at most 32 items');
  for (const [i, c] of codes.entries()) {
    checkInt(`${field}.expected_status_codes[${i}]`, c, 100, 599);
  }
  const period = durationSeconds(`${field}.period`, hc?.period, D.period_seconds, 1, 600);
  const timeout = durationSeconds(
    `${field}.timeout`,
    hc?.timeout,
    Math.min(D.timeout_seconds, period),
    1,
    600,
  );
  if (timeout > period) throw invalidArgument(`${field}.timeout`, `must be <= period (${period}s)`);
  return {
    protocol,
    path,
    port,
    method,
    headers: Object.keys(headers).length > 0 ? headers : null,
    body,
    expected_status_codes: codes,
    initial_delay_seconds: durationSeconds(
      `${field}.initial_delay`,
      hc?.initialDelay,
      D.initial_delay_seconds,
      0,
      600,
    ),
    period_seconds: period,
    timeout_seconds: timeout,
    failure_threshold:
      hc?.failureThreshold === undefined
        ? D.failure_threshold
        : checkInt(`${field}.failure_threshold`, hc.failureThreshold, 1, 100),
    success_threshold:
      hc?.successThreshold === undefined
        ? D.success_threshold
        : checkInt(`${field}.success_threshold`, hc.successThreshold, 1, 100),
    enabled: hc?.enabled ?? D.enabled,
  };
}

const secs = (s: number) => ({ seconds: BigInt(s), nanos: 0 });

/** The proto form of a stored health check. */
export function healthCheckToProto(row: HealthCheckRow & { updated_at?: Date }) {
  return {
    protocol: probeProtocolCodec.fromDb(row.protocol),
    path: row.path ?? '',
    port: row.port ?? 0,
    method: probeMethodCodec.fromDb(row.method),
    headers: row.headers ?? {},
    body: row.body ?? '',
    expectedStatusCodes: row.expected_status_codes,
    initialDelay: secs(row.initial_delay_seconds),
    period: secs(row.period_seconds),
    timeout: secs(row.timeout_seconds),
    failureThreshold: row.failure_threshold,
    successThreshold: row.success_threshold,
    enabled: row.enabled,
    ...(row.updated_at ? { updatedAt: timestampOf(row.updated_at) } : {}),
  };
}
