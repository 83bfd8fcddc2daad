/// <reference path="../types/parse-prometheus-text-format.d.ts" />
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { sampleValue } from './math.js';

/** One sample line: its labels and numeric value. */
export interface ExposedSample {
  labels: Record<string, string>;
  value: number;
}

/** Samples by series name (`http_requests_total`, `latency_seconds_bucket`, ...). */
export type Exposition = Map<string, ExposedSample[]>;

/**
 * Parses the Prometheus text exposition format with parse-prometheus-text-format.
 * Comment lines (# HELP / # TYPE) are dropped first: with a TYPE, that parser
 * folds a histogram's series into one object and loses every label but `le`
 * (yunyu/parse-prometheus-text-format#8, still open), and a histogram with
 * labels is the common case. Untyped, each sample keeps its full label set
 * and its own name (`x_bucket`, `x_sum`), which is all the mapping needs:
 * the configuration says how a series is read, not the exposition. A final
 * newline is added because the parser drops a last line without one.
 * Samples whose value is not a number are left out. Throws on a malformed line.
 */
export function parseExposition(text: string): Exposition {
  const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
  const families = parsePrometheusTextFormat(`${lines.join('\n')}\n`);
  const out: Exposition = new Map();
  for (const f of families) {
    for (const m of f.metrics) {
      const value = sampleValue(m.value ?? '');
      if (Number.isNaN(value)) continue;
      let list = out.get(f.name);
      if (!list) {
        list = [];
        out.set(f.name, list);
      }
      list.push({ labels: m.labels ?? {}, value });
    }
  }
  return out;
}
