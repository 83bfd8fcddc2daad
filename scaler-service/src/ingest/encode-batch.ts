import type { scaler } from '@autoserve/proto';
import { invalidArgument, notFound } from '@autoserve/runtime';
import { aggregationLevelCodec, metricTypeCodec } from '../validation/enums.js';
import { CopyWriter } from './copy-encoder.js';

/** Largest batch accepted by every ingest RPC. */
export const MAX_BATCH = 10_000;
/** Samples may be at most this far in the future (clock skew allowance). */
export const MAX_FUTURE_MS = 5 * 60_000;

/** Metric types whose value is a percent of something bounded (0..100). */
const PERCENT_TYPES = new Set(['memory_percent', 'error_rate', 'disk_usage']);

const TEXT = (s: string) => Buffer.from(s, 'utf8');
const TYPE_BUF = metricTypeCodec.values.map(TEXT);
const LEVEL_BUF = aggregationLevelCodec.values.map(TEXT);

export interface BatchRules {
  /** Server clock, ms since the epoch. */
  nowMs: number;
  /** Oldest accepted sample age (the metrics retention). */
  maxAgeMs: number;
  /** Registered apps (already refreshed for this batch's names). */
  isKnownApp: (name: string) => boolean;
}

/** Interned UTF-8 buffers of strings that repeat across batches (app names, units). */
export class Interner {
  readonly #map = new Map<string, Buffer>();
  constructor(private readonly max = 10_000) {}
  get(s: string): Buffer {
    let b = this.#map.get(s);
    if (!b) {
      if (this.#map.size >= this.max) this.#map.clear();
      b = TEXT(s);
      this.#map.set(s, b);
    }
    return b;
  }
}

/**
 * Validates a whole batch and encodes it as one binary COPY payload. The
 * first bad sample rejects the batch, named by index and field
 * (`samples[3].value: must be finite`), so nothing of it is stored.
 */
export function encodeBatch(
  samples: readonly scaler.MetricSample[],
  rules: BatchRules,
  interner: Interner,
): Buffer {
  if (samples.length === 0) throw invalidArgument('samples', 'must not be empty');
  if (samples.length > MAX_BATCH)
    throw invalidArgument('samples', `must have at most ${MAX_BATCH} items`);
  const writer = new CopyWriter(samples.length);
  const newestMs = rules.nowMs + MAX_FUTURE_MS;
  const oldestMs = rules.nowMs - rules.maxAgeMs;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const f = (field: string) => `samples[${i}].${field}`;
    if (!rules.isKnownApp(s.appName)) {
      if (s.appName === '') throw invalidArgument(f('app_name'), 'is required');
      throw notFound(`${f('app_name')}: app "${s.appName.slice(0, 63)}"`);
    }
    const type = s.metricType > 0 ? metricTypeCodec.values[s.metricType - 1] : undefined;
    if (!type) throw invalidArgument(f('metric_type'), 'must be a known metric type');
    const level = s.aggregationLevel === 0 ? 0 : s.aggregationLevel - 1;
    const levelBuf = LEVEL_BUF[level];
    if (!levelBuf) throw invalidArgument(f('aggregation_level'), 'must be a known level');
    if (s.instanceId < 0n || s.instanceId > 2_147_483_647n) {
      throw invalidArgument(f('instance_id'), 'must be 0..2147483647');
    }
    const v = s.value;
    if (!Number.isFinite(v)) throw invalidArgument(f('value'), 'must be finite');
    if (v < 0) throw invalidArgument(f('value'), 'must be >= 0');
    if (v > 100 && PERCENT_TYPES.has(type))
      throw invalidArgument(f('value'), `must be 0..100 for ${type}`);
    let timeUs: number;
    if (s.time) {
      const ms = Number(s.time.seconds) * 1000 + s.time.nanos / 1e6;
      if (!Number.isFinite(ms) || s.time.nanos < 0 || s.time.nanos > 999_999_999) {
        throw invalidArgument(f('time'), 'is not a valid timestamp');
      }
      if (ms > newestMs)
        throw invalidArgument(f('time'), 'must be at most 5 minutes in the future');
      if (ms < oldestMs) throw invalidArgument(f('time'), 'is older than the metrics retention');
      timeUs = Number(s.time.seconds) * 1_000_000 + Math.floor(s.time.nanos / 1000);
    } else {
      timeUs = rules.nowMs * 1000;
    }
    if (s.unit.length > 20) throw invalidArgument(f('unit'), 'must be at most 20 characters');
    const labels = hasKeys(s.labels) ? checkLabels(f('labels'), s.labels) : null;
    writer.row({
      app: interner.get(s.appName),
      instanceId: Number(s.instanceId),
      metricType: TYPE_BUF[s.metricType - 1]!,
      timeUs,
      value: v,
      labels,
      unit: s.unit === '' ? null : interner.get(s.unit),
      aggregationLevel: levelBuf,
    });
  }
  return writer.finish();
}

function hasKeys(o: Record<string, string>): boolean {
  for (const _ in o) return true;
  return false;
}

function checkLabels(field: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (keys.length > 16) throw invalidArgument(field, 'must have at most 16 entries');
  for (const k of keys) {
    if (k.length < 1 || k.length > 63) {
      throw invalidArgument(`${field}[${JSON.stringify(k)}]`, 'key must be 1..63 characters');
    }
    if (labels[k]!.length > 255) {
      throw invalidArgument(
        `${field}[${JSON.stringify(k)}]`,
        'value must be at most 255 characters',
      );
    }
  }
  return JSON.stringify(labels);
}

/** Distinct app names of a batch (to refresh the cache once per batch, not per sample). */
export function appNamesOf(samples: readonly scaler.MetricSample[]): Set<string> {
  const names = new Set<string>();
  for (const s of samples) names.add(s.appName);
  return names;
}
