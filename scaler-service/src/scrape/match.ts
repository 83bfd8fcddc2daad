import type { LabelMatcherJson } from '../validation/metrics-source.js';

/**
 * True when the labels meet every matcher. As in PromQL, an absent label
 * reads as "", so `code != "500"` holds for a series without `code`.
 */
export function matchesLabels(
  labels: Readonly<Record<string, string>>,
  matchers: readonly LabelMatcherJson[],
): boolean {
  for (const m of matchers) {
    const v = Object.hasOwn(labels, m.name) ? labels[m.name]! : '';
    if ((v === m.value) !== (m.op === 'eq')) return false;
  }
  return true;
}

/** A stable key of a label set, leaving out `omit` (e.g. `le` of a bucket). */
export function seriesKey(labels: Readonly<Record<string, string>>, omit?: string): string {
  return Object.keys(labels)
    .filter((k) => k !== omit)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
}
