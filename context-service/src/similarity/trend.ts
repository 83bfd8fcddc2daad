import { TrendDirection } from '@autoserve/proto/context/v1';

/** Fewer finished executions than this in a half: no trend. */
export const MIN_PER_HALF = 3;
/** |delta| below this is stable. */
export const STABLE_DELTA = 0.05;

/** Success-rate trend of the first half of a window against the second. */
export function trendOf(
  firstOk: number,
  firstFinished: number,
  secondOk: number,
  secondFinished: number,
) {
  const first = firstFinished > 0 ? firstOk / firstFinished : 0;
  const second = secondFinished > 0 ? secondOk / secondFinished : 0;
  const delta = second - first;
  const direction =
    firstFinished < MIN_PER_HALF || secondFinished < MIN_PER_HALF
      ? TrendDirection.INSUFFICIENT_DATA
      : Math.abs(delta) < STABLE_DELTA
        ? TrendDirection.STABLE
        : delta > 0
          ? TrendDirection.IMPROVING
          : TrendDirection.DEGRADING;
  return { firstHalfSuccessRate: first, secondHalfSuccessRate: second, delta, direction };
}
