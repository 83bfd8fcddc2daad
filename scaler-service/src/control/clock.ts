/**
 * Where the control loop's shell reads the time, so a test drives a pass
 * through minutes of back-offs and timeouts without sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
