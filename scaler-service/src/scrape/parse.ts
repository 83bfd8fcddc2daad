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
 * With `only`, lines of other series are left out before parsing: the
 * parser walks every character, and a typical exposition is mostly series
 * no mapping reads.
 * Samples whose value is not a number are left out. Throws on a malformed line.
 */
export function parseExposition(text: string, only?: ReadonlySet<string>): Exposition {
  const lines = text.split('\n').filter((l) => {
    const t = l.trimStart();
    if (t.startsWith('#')) return false;
    return only === undefined || only.has(t.slice(0, nameEnd(t)));
  });
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

/** End of a sample line's metric name (before labels or the value). */
function nameEnd(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 123 || c === 32 || c === 9) return i; // '{', ' ', '\t'
  }
  return line.length;
}

/** The series names a source's mappings read (a histogram's _bucket series). */
export function seriesNamesOf(series: readonly { series: string; kind: string }[]): Set<string> {
  return new Set(series.map((m) => (m.kind === 'histogram' ? `${m.series}_bucket` : m.series)));
}
