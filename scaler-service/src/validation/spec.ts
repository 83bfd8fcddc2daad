import { scaler } from '@autoserve/proto';
import {
  checkInt,
  checkLength,
  checkNumber,
  checkStringMap,
  invalidArgument,
} from '@autoserve/runtime';
import { isValidImageRef } from '../runtime/image-ref.js';
import {
  type MetricsSourceJson,
  metricsSourceToProto,
  validateMetricsSource,
} from './metrics-source.js';

/**
 * An app spec as stored in applications.spec (snake_case keys; `image` at
 * the top level, which idx_applications_spec_image indexes). The control
 * loop reads this shape.
 */
export interface AppSpecJson {
  image: string;
  command: string[];
  args: string[];
  env: Record<string, string>;
  /** 0 = the app listens on $PORT. */
  port: number;
  /** Cores; 0 = unlimited. */
  cpu_limit: number;
  /** Bytes; 0 = unlimited. */
  memory_limit_bytes: number;
  labels: Record<string, string>;
  /** Kubernetes' names; absent in rows stored before pull policies (= IfNotPresent). */
  pull_policy?: PullPolicyName;
  /** Absent = no scraping; the scraper reads only this key of the spec. */
  metrics_source?: MetricsSourceJson;
}

export type PullPolicyName = 'IfNotPresent' | 'Always' | 'Never';

const PULL_POLICIES: Record<number, PullPolicyName> = {
  [scaler.ImagePullPolicy.UNSPECIFIED]: 'IfNotPresent',
  [scaler.ImagePullPolicy.IF_NOT_PRESENT]: 'IfNotPresent',
  [scaler.ImagePullPolicy.ALWAYS]: 'Always',
  [scaler.ImagePullPolicy.NEVER]: 'Never',
};

/** A stored spec's pull policy (older rows have none: IfNotPresent, the default). */
export function pullPolicyOf(spec: Partial<AppSpecJson>): PullPolicyName {
  return spec.pull_policy ?? 'IfNotPresent';
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MIN_MEMORY = 6 * 1024 * 1024;
const MAX_MEMORY = 2 ** 50;

function checkList(field: string, list: string[], maxItems: number, itemMax: number): string[] {
  if (list.length > maxItems) throw invalidArgument(field, `must have at most ${maxItems} items`);
  list.forEach((item, i) => {
    checkLength(`${field}[${i}]`, item, 0, itemMax);
    if (item.includes('\0')) throw invalidArgument(`${field}[${i}]`, 'must not contain NUL');
  });
  return [...list];
}

/**
 * The Scaler finds and adopts its containers by `autoserve.*` labels; a spec
 * setting one could impersonate another app's or owner's instance.
 */
function reserveLabels(field: string, labels: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(labels)) {
    if (key.toLowerCase().startsWith('autoserve.')) {
      throw invalidArgument(`${field}["${key}"]`, 'the autoserve.* label namespace is reserved');
    }
  }
  return labels;
}

/** Validates a spec and returns its stored form; `field` prefixes error paths. */
export function validateSpec(spec: scaler.AppSpec | undefined, field = 'spec'): AppSpecJson {
  if (!spec) throw invalidArgument(field, 'is required');
  const image = checkLength(`${field}.image`, spec.image, 0, 255);
  if (/\s/.test(image)) throw invalidArgument(`${field}.image`, 'must not contain whitespace');
  if (image !== '' && !isValidImageRef(image)) {
    throw invalidArgument(
      `${field}.image`,
      'must be an image reference: [host[:port]/]name[:tag][@sha256:<64 hex>], name in lowercase',
    );
  }
  const command = checkList(`${field}.command`, spec.command, 256, 4096);
  const pullPolicy = PULL_POLICIES[spec.pullPolicy];
  if (!pullPolicy) {
    throw invalidArgument(`${field}.pull_policy`, 'must be IF_NOT_PRESENT, ALWAYS or NEVER');
  }
  if (image === '' && command.length === 0) {
    throw invalidArgument(`${field}.image`, 'is required unless spec.command is set');
  }
  const env = checkStringMap(`${field}.env`, spec.env, {
    maxEntries: 256,
    keyMax: 255,
    valueMax: 32_768,
    keyPattern: ENV_NAME,
    keyRule: 'must be a valid environment variable name',
  });
  if ('PORT' in env) {
    throw invalidArgument(`${field}.env["PORT"]`, 'is set by the Scaler and must not be given');
  }
  const memory = Number(spec.memoryLimitBytes);
  if (memory !== 0 && (memory < MIN_MEMORY || memory > MAX_MEMORY)) {
    throw invalidArgument(`${field}.memory_limit_bytes`, 'must be 0 (unlimited) or 6 MiB..1 PiB');
  }
  const cpu = checkNumber(`${field}.cpu_limit`, spec.cpuLimit, 0, 64);
  if (cpu !== 0 && cpu < 0.01) {
    throw invalidArgument(`${field}.cpu_limit`, 'must be 0 (unlimited) or 0.01..64');
  }
  const metricsSource = validateMetricsSource(spec.metricsSource, `${field}.metrics_source`);
  return {
    image,
    command,
    args: checkList(`${field}.args`, spec.args, 256, 4096),
    env,
    port: checkInt(`${field}.port`, spec.port, 0, 65535),
    cpu_limit: cpu,
    memory_limit_bytes: memory,
    labels: reserveLabels(
      `${field}.labels`,
      checkStringMap(`${field}.labels`, spec.labels, { maxEntries: 64, keyMax: 63, valueMax: 255 }),
    ),
    pull_policy: pullPolicy,
    // Absent rather than null, so specs without a source compare equal to older rows.
    ...(metricsSource ? { metrics_source: metricsSource } : {}),
  };
}

/** The proto form of a stored spec (tolerates missing keys of older rows). */
export function specToProto(json: Partial<AppSpecJson>): {
  image: string;
  command: string[];
  args: string[];
  env: Record<string, string>;
  port: number;
  cpuLimit: number;
  memoryLimitBytes: bigint;
  labels: Record<string, string>;
  /** scaler.ImagePullPolicy (a number, so callers' inferred types need no proto import). */
  pullPolicy: number;
  metricsSource?: ReturnType<typeof metricsSourceToProto>;
} {
  return {
    image: json.image ?? '',
    command: json.command ?? [],
    args: json.args ?? [],
    env: json.env ?? {},
    port: json.port ?? 0,
    cpuLimit: json.cpu_limit ?? 0,
    memoryLimitBytes: BigInt(json.memory_limit_bytes ?? 0),
    labels: json.labels ?? {},
    pullPolicy: {
      IfNotPresent: scaler.ImagePullPolicy.IF_NOT_PRESENT,
      Always: scaler.ImagePullPolicy.ALWAYS,
      Never: scaler.ImagePullPolicy.NEVER,
    }[pullPolicyOf(json)],
    ...(json.metrics_source ? { metricsSource: metricsSourceToProto(json.metrics_source) } : {}),
  };
}
