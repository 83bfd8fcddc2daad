import type { scaler } from '@autoserve/proto';
import { invalidArgument } from '@autoserve/runtime';
import { ConnectError } from '@connectrpc/connect';
import {
  BatchEncoder,
  type BatchRules,
  type EncodedBatch,
  type Interner,
} from './batch-encoder.js';

export { Interner, MAX_BATCH, MAX_FUTURE_MS } from './batch-encoder.js';

const INT32_MAX = 2_147_483_647n;

function hasKeys(o: Record<string, string>): boolean {
  for (const _ in o) return true;
  return false;
}

/**
 * Runs one encoding pass, turning a thrown validation error into the
 * result's `error` with the index of the sample it concerns (-1 for
 * batch-level errors), so the caller can weigh it against unknown apps.
 */
export function runPass(enc: BatchEncoder, current: () => number, pass: () => void): EncodedBatch {
  try {
    pass();
    return { payload: enc.finish(), count: enc.count, error: undefined, suspects: enc.suspects };
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    const index = err.rawMessage.startsWith('samples[') ? current() : -1;
    return { payload: undefined, count: 0, error: { index, err }, suspects: enc.suspects };
  }
}

/** Validates and encodes decoded samples (the message path). */
export function encodeMessages(
  samples: readonly scaler.MetricSample[],
  rules: BatchRules,
  interner: Interner,
): EncodedBatch {
  const enc = new BatchEncoder(samples.length, rules, interner);
  let i = 0;
  return runPass(
    enc,
    () => i,
    () => {
      for (; i < samples.length; i++) {
        const s = samples[i]!;
        const seconds = s.time?.seconds;
        enc.add(
          i,
          s.appName,
          s.instanceId < 0n || s.instanceId > INT32_MAX ? -1 : Number(s.instanceId),
          s.metricType,
          seconds === undefined ? undefined : seconds < 0n ? -1 : Number(seconds),
          s.time?.nanos ?? 0,
          s.value,
          hasKeys(s.labels) ? s.labels : null,
          s.unit,
          s.aggregationLevel,
        );
      }
    },
  );
}

/**
 * Validates and encodes a whole batch of decoded samples, throwing the first
 * error (for callers that know every app is registered, e.g. benchmarks).
 */
export function encodeBatch(
  samples: readonly scaler.MetricSample[],
  rules: BatchRules,
  interner: Interner,
): Buffer {
  const r = encodeMessages(samples, rules, interner);
  if (r.error) throw r.error.err;
  if (r.suspects.size > 0) throw invalidArgument('samples', 'unknown app');
  return r.payload!;
}

/** Distinct app names of a batch. */
export function appNamesOf(samples: readonly scaler.MetricSample[]): Set<string> {
  const names = new Set<string>();
  for (const s of samples) names.add(s.appName);
  return names;
}
