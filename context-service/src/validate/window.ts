import { Window } from '@autoserve/proto/context/v1';
import { knownEnum } from '@autoserve/runtime';

const DAYS: Record<number, number> = {
  [Window.WINDOW_7_DAYS]: 7,
  [Window.WINDOW_30_DAYS]: 30,
  [Window.WINDOW_90_DAYS]: 90,
};

/** Days of a lookback window; unspecified gives `defaultDays`. */
export function windowDays(w: Window, defaultDays: number, field = 'window'): number {
  knownEnum(field, w, Window, { allowUnspecified: true });
  return w === Window.WINDOW_UNSPECIFIED ? defaultDays : DAYS[w]!;
}
