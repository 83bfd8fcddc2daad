/**
 * Inputs and outputs of the decision engine. Plain data with times as epoch
 * milliseconds, so the engine is a pure function that tests drive with a
 * fake clock and the simulator replays at thousands of evaluations a second.
 */

/** Metrics the engine turns into replica proposals. */
export type ScalingMetric =
  | 'rps'
  | 'latency_p95'
  | 'cpu_percent'
  | 'memory_percent'
  | 'active_connections';

/** Every metric type of the metrics table (activation may use any). */
export type MetricName =
  | ScalingMetric
  | 'memory_bytes'
  | 'latency_p50'
  | 'latency_p99'
  | 'error_rate'
  | 'response_time'
  | 'queue_length'
  | 'disk_usage';

/** One HPA rate limit: `value` pods or percent per `periodSeconds`. */
export interface RatePolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

/** HPA behaviour in one direction. */
export interface ScalingRules {
  /** Relative deviation from the target that proposes no change (0..1). */
  tolerance: number;
  stabilizationSeconds: number;
  policies: readonly RatePolicy[];
  selectPolicy: SelectPolicy;
}

/** An app's policy as the engine reads it (defaults already filled in). */
export interface Policy {
  minReplicas: number;
  maxReplicas: number;
  /** Per-metric targets; 0 or undefined disables the metric. */
  targets: Partial<Record<ScalingMetric, number>>;
  /** Per-metric weights; a weight of 0 ignores the metric. */
  weights: Partial<Record<ScalingMetric, number>>;
  /** No scale-down sooner than this after the last scaling action. */
  cooldownSeconds: number;
  evaluationWindowSeconds: number;
  /** Seed threshold algorithm settings (used by its baseline). */
  scaleOutThresholdPct: number;
  scaleInThresholdPct: number;
  maxScaleOutStep: number;
  maxScaleInStep: number;
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
  /** Idle time before scaling to zero; 0 disables scale to zero. */
  scaleToZeroIdleSeconds: number;
  activationMetric: MetricName;
  activationThreshold: number;
  /**
   * Kubernetes HPA semantics exactly: every addition of ours off (predictive
   * lead, queue-model latency, the latency floor, cooldown, scale to zero).
   */
  hpaCompatible: boolean;
}

/** Window aggregate of one metric for one app. */
export interface MetricInput {
  /**
   * Per-instance window mean, by instance id (instance-level samples). When
   * present, the HPA per-pod algorithm with readiness handling is used.
   */
  perInstance?: ReadonlyMap<number, number>;
  /**
   * App-level value: the total over the app for rps/connections, the window
   * p95 for latency, the mean for CPU/memory.
   */
  app?: number;
  /** Least-squares slope of the app-level value, units per second. */
  trendPerSecond?: number;
  /**
   * Latency only: the p95 of a nearly idle replica (e.g. the lowest window p95
   * of the last hour), for the queue-aware latency proposal.
   */
  baseline?: number;
}

/** A live instance (not draining) and whether it is ready for traffic. */
export interface InstanceState {
  id: number;
  ready: boolean;
}

/** One recorded (unstabilized) recommendation. */
export interface Recommendation {
  at: number;
  replicas: number;
}

/** One scaling action that was carried out: replicas added (>0) or removed (<0). */
export interface ScaleEvent {
  at: number;
  change: number;
}

/** Engine features beyond the HPA algorithm; all off reproduces the HPA exactly. */
export interface EngineOptions {
  /**
   * Seconds of load growth to provision ahead on scale-up: a per-replica metric
   * rising at `trend` proposes for value + trend x lead. 0 disables.
   */
  predictiveLeadSeconds: number;
  /**
   * Read p95 latency as a queue, p95 = base / (1 - utilization), instead of
   * linearly: the replicas that bring it to the target are
   * current x (1 - base/p95) / (1 - base/target). Needs a latency baseline.
   */
  queueAwareLatency: boolean;
  /**
   * Fraction of the p95 objective the queue-model proposal sizes to (1 =
   * exactly at the objective, which runs at the SLO line and violates on
   * every rise between two steps).
   */
  latencyHeadroom: number;
  /**
   * While p95 is above its objective, rps/connections read the window's
   * fitted level at the newest sample instead of its mean, so a step is
   * sized from the demand now (a jump, as the HPA's linear reading) rather
   * than one partial window at a time.
   */
  levelWhenHot: boolean;
  /**
   * No scale-down while demand is rising from its low: a recommendation above
   * the lowest recorded in the down stabilization window holds the count.
   */
  holdDownWhileRising: boolean;
  /**
   * Reversal memory: after a scale-down the app undid by a scale-up inside
   * the down stabilization window, the window is doubled for the next
   * `REVERSAL_MEMORY_WINDOWS` windows.
   */
  reversalMemory: boolean;
}

export interface EngineInput {
  appName: string;
  policy: Policy;
  currentReplicas: number;
  /** Live, not draining instances. */
  instances: readonly InstanceState[];
  /** Window aggregates by metric; absent = no sample in the window. */
  metrics: Partial<Record<ScalingMetric, MetricInput>>;
  /**
   * Metrics the app reported in a longer lookback. A reported metric without
   * samples in the window is missing data (no scale-down); one never reported
   * is simply not used by this app.
   */
  reported: ReadonlySet<ScalingMetric>;
  /** Activation metric's app-level value in the window (scale from zero). */
  activationValue?: number;
  /** Last time a traffic metric (rps, connections, activation metric) was above 0. */
  lastActiveAt?: number;
  history: readonly Recommendation[];
  scaleEvents: readonly ScaleEvent[];
  lastScaledAt?: number;
  now: number;
  options?: Partial<EngineOptions>;
}

export interface Proposal {
  metric: ScalingMetric;
  currentValue: number;
  targetValue: number;
  ratio: number;
  proposedReplicas: number;
  withinTolerance: boolean;
  /** Missing data: the proposal only holds the current count. */
  missing: boolean;
  note: string;
}

export type Action = 'none' | 'scale_up' | 'scale_down';

export interface Decision {
  appName: string;
  evaluatedAt: number;
  currentReplicas: number;
  /** Largest proposal (after the missing-data and zero rules), before stabilization. */
  recommendedReplicas: number;
  desiredReplicas: number;
  action: Action;
  proposals: Proposal[];
  winningMetric: ScalingMetric | undefined;
  limitedBy: string;
  reasons: string[];
  cooldownRemainingMs: number;
  /**
   * Whether `recommendedReplicas` enters the stabilization history. False
   * where the HPA returns before normalizeDesiredReplicas: invalid metrics,
   * out-of-bounds corrections.
   */
  record: boolean;
}
