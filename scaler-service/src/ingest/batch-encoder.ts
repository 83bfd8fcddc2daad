import { checkRawText, invalidArgument, notFound } from '@autoserve/runtime';
import type { ConnectError } from '@connectrpc/connect';
import { aggregationLevelCodec, metricTypeCodec } from '../validation/enums.js';
import { CopyWriter } from './copy-encoder.js';

/** Largest batch accepted by every ingest RPC. */
export const MAX_BATCH = 10_000;
/** Most labels one sample may carry (the wire decoder stops reading at the next one). */
export const MAX_LABELS = 16;
/** Samples may be at most this far in the future (clock skew allowance). */
export const MAX_FUTURE_MS = 5 * 60_000;

/** Metric types whose value is a percent of something bounded (0..100). */
const PERCENT_TYPES = new Set([2, 9, 12]); // memory_percent, error_rate, disk_usage
const TYPE_NAMES = metricTypeCodec.values;
const TYPE_BUF = TYPE_NAMES.map((s) => Buffer.from(s));
const LEVEL_BUF = aggregationLevelCodec.values.map((s) => Buffer.from(s));

/**
 * Interned UTF-8 buffers of strings that repeat across batches (app names,
 * units). It lives as long as the service, so it is bounded by entries and
 * by bytes (callers pass only length-checked strings; the byte bound holds
 * regardless): when either is reached it starts over.
 */
export class Interner {
  readonly #map = new Map<string, Buffer>();
  #bytes = 0;
  constructor(
    private readonly max = 10_000,
    private readonly maxBytes = 1 << 20,
  ) {}
  get(s: string): Buffer {
    let b = this.#map.get(s);
    if (!b) {
      b = Buffer.from(s, 'utf8');
      if (this.#map.size >= this.max || this.#bytes + b.length > this.maxBytes) {
        this.#map.clear();
        this.#bytes = 0;
      }
      this.#map.set(s, b);
      this.#bytes += b.length + s.length;
    }
    return b;
  }
  /** Entries and bytes held (for tests and the memory figures). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.#map.size, bytes: this.#bytes };
  }
}

/** Longest app name (registered names are DNS labels). */
const MAX_APP_NAME = 63;

export interface BatchRules {
  /** Server clock, ms since the epoch. */
  nowMs: number;
  /** Oldest accepted sample age (the metrics retention). */
  maxAgeMs: number;
  /** Registered apps as currently known (no I/O); others are checked after the pass. */
  isKnownApp: (name: string) => boolean;
}

/** A batch after its single pass: the payload, or the first error, and apps to confirm. */
export interface EncodedBatch {
  payload: Buffer | undefined;
  count: number;
  /** First invalid sample (other than an unknown app), if any. */
  error: { index: number; err: ConnectError } | undefined;
  /** App names not in the known set, with the index of their first sample. */
  suspects: Map<string, number>;
}

/**
 * Validates and encodes samples one by one into a binary COPY payload. Fed
 * by the message path (decoded protobuf) and by the raw wire decoder; both
 * give the same messages (`samples[3].value: must be finite`). App names
 * not known yet are collected instead of failing at once, so one reload of
 * the app cache after the pass can still accept a just-registered app, and
 * the error reported is the one with the lowest index either way.
 */
export class BatchEncoder {
  readonly #writer: CopyWriter;
  readonly #newestUs: number;
  readonly #oldestUs: number;
  readonly suspects = new Map<string, number>();
  count = 0;
  /** Last app found known: consecutive samples mostly share it. */
  #lastKnown = '';

  constructor(
    expected: number,
    private readonly rules: BatchRules,
    private readonly interner: Interner,
  ) {
    this.#writer = new CopyWriter(expected);
    this.#newestUs = (rules.nowMs + MAX_FUTURE_MS) * 1000;
    this.#oldestUs = (rules.nowMs - rules.maxAgeMs) * 1000;
  }

  /**
   * One sample. `instanceId` and `timeSec` are -1 when the wire value was
   * negative or beyond 2^53; `timeSec` is undefined when the time is unset.
   */
  add(
    i: number,
    app: string,
    instanceId: number,
    metricType: number,
    timeSec: number | undefined,
    timeNanos: number,
    value: number,
    labels: Record<string, string> | null,
    unit: string,
    level: number,
  ): void {
    if (i >= MAX_BATCH) throw invalidArgument('samples', `must have at most ${MAX_BATCH} items`);
    const f = (field: string) => `samples[${i}].${field}`;
    if (app !== this.#lastKnown) {
      if (app === '') throw invalidArgument(f('app_name'), 'is required');
      // Length first: no lookup, suspect entry or interned copy of a name no app can have.
      if (app.length > MAX_APP_NAME) {
        throw invalidArgument(f('app_name'), `must be at most ${MAX_APP_NAME} characters`);
      }
      checkRawText(f('app_name'), app);
      if (this.rules.isKnownApp(app)) this.#lastKnown = app;
      else if (!this.suspects.has(app)) this.suspects.set(app, i);
    }
    const typeBuf = metricType > 0 ? TYPE_BUF[metricType - 1] : undefined;
    if (!typeBuf) throw invalidArgument(f('metric_type'), 'must be a known metric type');
    const levelBuf = LEVEL_BUF[level === 0 ? 0 : level - 1];
    if (!levelBuf) throw invalidArgument(f('aggregation_level'), 'must be a known level');
    if (instanceId < 0 || instanceId > 2_147_483_647) {
      throw invalidArgument(f('instance_id'), 'must be 0..2147483647');
    }
    if (!Number.isFinite(value)) throw invalidArgument(f('value'), 'must be finite');
    if (value < 0) throw invalidArgument(f('value'), 'must be >= 0');
    if (value > 100 && PERCENT_TYPES.has(metricType)) {
      throw invalidArgument(f('value'), `must be 0..100 for ${TYPE_NAMES[metricType - 1]}`);
    }
    let timeUs: number;
    if (timeSec === undefined) {
      timeUs = this.rules.nowMs * 1000;
    } else {
      if (timeNanos < 0 || timeNanos > 999_999_999 || timeSec < 0) {
        throw invalidArgument(f('time'), 'is not a valid timestamp');
      }
      timeUs = timeSec * 1_000_000 + Math.floor(timeNanos / 1000);
      if (timeUs > this.#newestUs)
        throw invalidArgument(f('time'), 'must be at most 5 minutes in the future');
      if (timeUs < this.#oldestUs)
        throw invalidArgument(f('time'), 'is older than the metrics retention');
    }
    if (unit.length > 20) throw invalidArgument(f('unit'), 'must be at most 20 characters');
    checkRawText(f('unit'), unit);
    this.#writer.row({
      app: this.interner.get(app),
      instanceId,
      metricType: typeBuf,
      timeUs,
      value,
      labels: labels === null ? null : checkLabels(f('labels'), labels),
      unit: unit === '' ? null : this.interner.get(unit),
      aggregationLevel: levelBuf,
    });
    this.count++;
  }

  finish(): Buffer {
    if (this.count === 0) throw invalidArgument('samples', 'must not be empty');
    return this.#writer.finish();
  }
}

function checkLabels(field: string, labels: Record<string, string>): string | null {
  const keys = Object.keys(labels);
  if (keys.length === 0) return null;
  if (keys.length > MAX_LABELS) {
    throw invalidArgument(field, `must have at most ${MAX_LABELS} entries`);
  }
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
    checkRawText(`${field}[${JSON.stringify(k)}]`, k);
    checkRawText(`${field}[${JSON.stringify(k)}]`, labels[k]!);
  }
  return JSON.stringify(labels);
}

/** NotFound for an unknown app, named by the sample that first used it. */
export function unknownApp(index: number, app: string): ConnectError {
  return notFound(`samples[${index}].app_name: app "${app.slice(0, 63)}"`);
}
