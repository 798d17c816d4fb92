/**
 * What a store's format implies for its sensors and shoppers: how visitors spread over the foot-traffic
 * zones and how long they stay there, the BLE zones and how densely their beacons see shoppers, and how
 * many of the visitors buy by hour of day.
 */
import type { StoreFormat } from '../dimensions/places.js';

export const ZONES_BY_FORMAT: Record<StoreFormat, number[]> = {
  hypermarket: [0.2, 0.1, 0.35, 0.25, 0.1],
  superstore: [0.25, 0.1, 0.3, 0.25, 0.1],
  standard: [0.3, 0.15, 0.25, 0.15, 0.15],
  neighborhood: [0.35, 0.15, 0.2, 0.1, 0.2],
  express: [0.45, 0.15, 0.1, 0.05, 0.25],
};
export const FOOT_ZONES = ['ENTRANCE_MAIN', 'ENTRANCE_SIDE', 'AISLES_A', 'AISLES_B', 'CHECKOUT'];
export const DWELL: [number, number][] = [
  [45, 90],
  [30, 75],
  [180, 420],
  [120, 300],
  [90, 240],
];
export const BLE_ZONES = ['ENTRANCE', 'ELECTRONICS', 'GROCERY', 'CLOTHING', 'CHECKOUT'];
export const BLE_FORMAT: Record<StoreFormat, number> = { hypermarket: 1.6, superstore: 1.3, standard: 1.0, neighborhood: 0.85, express: 0.65 };

/**
 * Share of visitors who buy, by hour of day (peaks at lunch and after work) and weekend: the predecessor's table,
 * kept. It makes door traffic peak in the evening (evening browsers buy least), a gap the realism report shows
 * beside Sensormatic's mid-afternoon peak; changing it would change every foot-traffic row of history.
 */
export function conversionRate(hour: number, weekend: boolean): number {
  const peak = [12, 13, 17, 18, 19].includes(hour) ? 1.3 : [10, 11, 14, 15, 16].includes(hour) ? 1.0 : [8, 9, 20, 21].includes(hour) ? 0.7 : 0.5;
  return 0.2 * peak * (weekend ? 0.9 : 1);
}
