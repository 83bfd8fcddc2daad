import {
  ConfigError,
  type Env,
  readBool,
  readDurationMs,
  readEnum,
  readInt,
  readOptional,
} from '@autoserve/runtime';
import { loadAllowLists } from '../runtime/allow-list.js';
import { loadContainerHardening } from '../runtime/container-hardening.js';
import { parseRegistryAuth, type RegistryCredential } from '../runtime/registry-auth.js';
import type { RuntimeConfig } from '../runtime/select.js';

/** Settings of the control loop (runtime, reconciler, health checks, autoscaler). */
export interface ControlConfig {
  /** Run the control loop in this process (leader election decides who acts). */
  enabled: boolean;
  runtime: RuntimeConfig;
  /** Loopback ports handed to instances. */
  portRange: { from: number; to: number };
  /** Reconcile + autoscale period. */
  loopIntervalMs: number;
  /** Autoscaler evaluation period per app (a multiple of the loop is typical). */
  evaluationIntervalMs: number;
  /** Health checker tick (probes run on their own periods). */
  probeTickMs: number;
  /** Resource usage sampling period. */
  statsIntervalMs: number;
  /** Time a scaled-in instance stays out of the endpoint set before SIGTERM. */
  drainMs: number;
  /** SIGTERM grace before SIGKILL. */
  stopGraceMs: number;
  /** Leader election retry / keepalive period. */
  leaderRetryMs: number;
  /** Time after which an action's outcome counts as failed. */
  outcomeTimeoutMs: number;
  /** Bound of every statement of the control loop (reads and fenced acting transactions). */
  statementTimeoutMs: number;
}

/** The control loop's part of the Scaler config (a pure function of the environment). */
export function loadControlConfig(env: Env): ControlConfig {
  const from = readInt(env, 'SCALER_PORT_RANGE_START', 20000, 1024, 65535);
  const to = readInt(env, 'SCALER_PORT_RANGE_END', 20999, from, 65535);
  return {
    enabled: readBool(env, 'SCALER_CONTROL_LOOP', true),
    runtime: loadRuntimeConfig(env),
    portRange: { from, to },
    loopIntervalMs: readDurationMs(env, 'SCALER_LOOP_INTERVAL', 1000, 100, 60_000),
    evaluationIntervalMs: readDurationMs(env, 'SCALER_EVALUATION_INTERVAL', 5000, 100, 600_000),
    probeTickMs: readDurationMs(env, 'SCALER_PROBE_TICK', 250, 50, 10_000),
    statsIntervalMs: readDurationMs(env, 'SCALER_STATS_INTERVAL', 5000, 500, 600_000),
    drainMs: readDurationMs(env, 'SCALER_DRAIN_PERIOD', 10_000, 0, 3_600_000),
    stopGraceMs: readDurationMs(env, 'SCALER_STOP_GRACE', 10_000, 0, 600_000),
    leaderRetryMs: readDurationMs(env, 'SCALER_LEADER_RETRY', 1000, 100, 60_000),
    outcomeTimeoutMs: readDurationMs(env, 'SCALER_OUTCOME_TIMEOUT', 180_000, 1000, 86_400_000),
    statementTimeoutMs: readDurationMs(
      env,
      'SCALER_CONTROL_STATEMENT_TIMEOUT',
      10_000,
      100,
      600_000,
    ),
  };
}

/** The runtime part: kind, who children run as, what they may run, container defaults. */
function loadRuntimeConfig(env: Env): RuntimeConfig {
  const kind = readEnum(env, 'SCALER_RUNTIME', ['docker', 'process', 'auto'] as const, 'auto');
  return {
    kind,
    processEnabled: kind === 'process' || readBool(env, 'SCALER_PROCESS_RUNTIME', false),
    processUser: readUidGid(env, 'SCALER_PROCESS_USER', { uid: 65534, gid: 65534 }),
    allow: loadAllowLists(env),
    hardening: loadContainerHardening(env),
    dockerHost: readOptional(env, 'DOCKER_HOST'),
    owner: readOptional(env, 'SCALER_RUNTIME_OWNER') ?? 'autoserve',
    processDir: readOptional(env, 'SCALER_PROCESS_DIR'),
    images: {
      pullTimeoutMs: readDurationMs(env, 'SCALER_IMAGE_PULL_TIMEOUT', 300_000, 1000, 3_600_000),
      auth: {
        inline: readRegistryAuth(env),
        file: readOptional(env, 'SCALER_REGISTRY_AUTH_FILE'),
      },
    },
  };
}

/** "uid:gid", both numeric (no name lookup: Node has no getpwnam). */
function readUidGid(env: Env, name: string, fallback: { uid: number; gid: number }) {
  const value = readOptional(env, name);
  if (value === undefined) return fallback;
  const m = /^(\d{1,10}):(\d{1,10})$/.exec(value);
  if (!m) throw new ConfigError(name, `expected uid:gid (numbers), got "${value}"`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

/** SCALER_REGISTRY_AUTH: inline credentials (config.json format); errors never echo a value. */
function readRegistryAuth(env: Env): Map<string, RegistryCredential> {
  const text = readOptional(env, 'SCALER_REGISTRY_AUTH');
  if (!text) return new Map();
  try {
    return parseRegistryAuth(text, 'SCALER_REGISTRY_AUTH');
  } catch (err) {
    throw new ConfigError(
      'SCALER_REGISTRY_AUTH',
      (err as Error).message.replace(/^SCALER_REGISTRY_AUTH: /, ''),
    );
  }
}
