/**
 * The narrow interface the control loop drives instances through, so the
 * reconciler and health checker do not know whether an instance is a Docker
 * container or a local child process, and tests can swap it.
 */

/** Labels every scaler-made instance carries (docker labels / process state files). */
export const LABEL_APP = 'autoserve.app';
export const LABEL_REPLICA = 'autoserve.replica';
export const LABEL_PORT = 'autoserve.port';
/** The app generation (spec version) it was made from, so a restarted Scaler knows what to roll. */
export const LABEL_GENERATION = 'autoserve.generation';

/** A generation as create writes it; anything else (hand-made, absent, corrupt) is none. */
export function generationOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[1-9][0-9]{0,17}$/.test(value) ? value : undefined;
}
/** The image digest an instance was started from (a restarted Scaler reads it back). */
export const LABEL_IMAGE_DIGEST = 'autoserve.image-digest';
/** The owner marker: which Scaler deployment made it (SCALER_RUNTIME_OWNER). */
export const LABEL_OWNER = 'autoserve.owner';

/** What to run for one replica. */
export interface InstanceSpec {
  appName: string;
  replicaIndex: number;
  /** The app generation whose spec this is. */
  generation: string;
  /** Unique name, "<app>-<replica>-<suffix>". */
  name: string;
  image: string;
  /**
   * The image as the app's spec names it, when `image` is its pinned form ("repo@sha256:..." or a
   * local image id): what the operator's allow-list is checked against.
   */
  imageName?: string | undefined;
  command: string[];
  args: string[];
  env: Record<string, string>;
  /** Loopback port assigned by the Scaler (given to the app as PORT). */
  port: number;
  /** Cores; 0 = unlimited. */
  cpuLimit: number;
  /** Bytes; 0 = unlimited. */
  memoryLimitBytes: number;
  labels: Record<string, string>;
  /** The digest `image` pins (it is then "repo@digest" or a local image id); labelled. */
  imageDigest?: string | undefined;
  /** Whether the runtime may pull `image` when the engine lacks it. */
  pullPolicy?: PullPolicy;
}

/** Kubernetes' imagePullPolicy names (stored in the spec as such). */
export type PullPolicy = 'IfNotPresent' | 'Always' | 'Never';

/** A tag resolved to what a generation's instances start from. */
export interface ResolvedImage {
  /** What to start: "repo@sha256:..." or, for an image that never came from a registry, its id. */
  ref: string;
  /** "sha256:<hex>": the manifest digest, or the local image id. */
  digest: string;
  /** True when the resolution pulled from the registry. */
  pulled: boolean;
  /** How long the resolution took (pull included). */
  ms: number;
}

export type InstanceState = 'running' | 'starting' | 'exited';

/** An instance as the runtime sees it. */
export interface RuntimeInstance {
  /** Container id, or "pid:<n>". */
  id: string;
  name: string;
  appName: string;
  replicaIndex: number;
  /** The app generation it was made from; undefined when it carries none. */
  generation: string | undefined;
  port: number;
  state: InstanceState;
  exitCode: number | undefined;
  startedAt: Date | undefined;
  /** The image digest it was started from (label), when it carries one. */
  imageDigest?: string | undefined;
}

/** Resource usage sampled from the runtime. */
export interface Usage {
  /** Percent of one core x cores used (may exceed 100 without a limit), or of the limit. */
  cpuPercent: number;
  /** Percent of the memory limit (or of host memory without one). */
  memoryPercent: number;
  memoryBytes: number;
}

/** Why a runtime operation failed, so events can name the cause. */
export type RuntimeFailure =
  | 'image_missing'
  | 'port_in_use'
  | 'engine_down'
  | 'invalid_spec'
  | 'image_pull'
  | 'other';

/**
 * A runtime failure with its cause. `message` is a short classified reason that events and
 * instance rows carry (readers see it); `detail` is the engine's or the OS's own text, which
 * can name host paths, registries or other tenants' objects, so it only goes to the log.
 */
export class RuntimeError extends Error {
  readonly detail: string | undefined;
  constructor(
    readonly failure: RuntimeFailure,
    message: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options);
    this.name = 'RuntimeError';
    this.detail = options?.detail;
  }
}

export interface Runtime {
  readonly kind: 'docker' | 'process';
  /** Resolves when the runtime answers; RuntimeError('engine_down') otherwise. */
  ping(): Promise<void>;
  /**
   * Resolves an image (tag) to the reference a spec generation's instances
   * start from, pulling per the policy; only runtimes that run images have it.
   * Throws ImagePullError naming the reason.
   */
  resolveImage?(image: string, policy: PullPolicy): Promise<ResolvedImage>;
  /** Creates and starts an instance; returns its id. */
  create(spec: InstanceSpec): Promise<string>;
  /** Every instance this owner made, running or not. */
  list(): Promise<RuntimeInstance[]>;
  /** SIGTERM, then SIGKILL after `graceMs` if it is still running. */
  stop(id: string, graceMs: number): Promise<void>;
  /** Removes a stopped (or running: forced) instance; gone already is fine. */
  remove(id: string): Promise<void>;
  /** Current usage, or undefined when not running. */
  stats(id: string): Promise<Usage | undefined>;
  /** The last lines of the instance's output (for crash reasons). */
  logs(id: string, lines: number): Promise<string>;
  close(): Promise<void>;
}
