/**
 * The temporal model: season × day of week × hour × holiday × weather. Holidays are
 * computed for any year (the predecessor hard-coded 2024), and weather is drawn once per (store, day) from
 * its own stream, so the same day looks the same whoever generates it.
 */
import { deriveStream, weighted } from '../rng.js';

const DAY_MS = 86_400_000;

export function parseDay(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

export function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return formatDay(new Date(parseDay(day).getTime() + days * DAY_MS));
}

export function daysBetween(start: string, end: string): number {
  return Math.round((parseDay(end).getTime() - parseDay(start).getTime()) / DAY_MS);
}

/** The n-th weekday (0 = Sunday) of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, weekday: number, n: number): Date {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month, 1));
    const offset = (weekday - first.getUTCDay() + 7) % 7;
    return new Date(Date.UTC(year, month, 1 + offset + (n - 1) * 7));
  }
  const last = new Date(Date.UTC(year, month + 1, 0));
  const offset = (last.getUTCDay() - weekday + 7) % 7;
  return new Date(Date.UTC(year, month + 1, -offset));
}

export interface Holiday {
  name: string;
  date: Date;
  multiplier: number;
  /** Days either side over which the effect fades. */
  window: number;
}

const holidayCache = new Map<number, Holiday[]>();

export function holidaysOf(year: number): Holiday[] {
  let list = holidayCache.get(year);
  if (!list) {
    const thanksgiving = nthWeekday(year, 10, 4, 4);
    list = [
      { name: 'black_friday', date: new Date(thanksgiving.getTime() + DAY_MS), multiplier: 3.5, window: 3 },
      { name: 'christmas', date: new Date(Date.UTC(year, 11, 25)), multiplier: 2.0, window: 7 },
      { name: 'boxing_day', date: new Date(Date.UTC(year, 11, 26)), multiplier: 2.5, window: 1 },
      { name: 'veterans_day', date: new Date(Date.UTC(year, 10, 11)), multiplier: 1.3, window: 1 },
      { name: 'back_to_school', date: new Date(Date.UTC(year, 7, 15)), multiplier: 1.8, window: 14 },
      { name: 'valentines', date: new Date(Date.UTC(year, 1, 14)), multiplier: 1.4, window: 3 },
      { name: 'mothers_day', date: nthWeekday(year, 4, 0, 2), multiplier: 1.6, window: 3 },
      { name: 'fathers_day', date: nthWeekday(year, 5, 0, 3), multiplier: 1.3, window: 3 },
      { name: 'new_year', date: new Date(Date.UTC(year, 0, 1)), multiplier: 0.5, window: 1 },
      { name: 'independence_day', date: new Date(Date.UTC(year, 6, 4)), multiplier: 1.2, window: 1 },
      { name: 'memorial_day', date: nthWeekday(year, 4, 1, -1), multiplier: 1.2, window: 1 },
      { name: 'labor_day', date: nthWeekday(year, 8, 1, 1), multiplier: 1.1, window: 1 },
      { name: 'halloween', date: new Date(Date.UTC(year, 9, 31)), multiplier: 1.3, window: 7 },
      { name: 'thanksgiving', date: thanksgiving, multiplier: 0.8, window: 1 },
    ];
    holidayCache.set(year, list);
  }
  return list;
}

export function thanksgivingOf(year: number): Date {
  return holidaysOf(year).find((h) => h.name === 'thanksgiving')!.date;
}

/** The holiday multiplier of a day: exact day wins, else the first window containing it (fading out). */
export function holidayMultiplier(date: Date): number {
  const list = holidaysOf(date.getUTCFullYear());
  for (const holiday of list) if (holiday.date.getTime() === date.getTime()) return holiday.multiplier;
  for (const holiday of list) {
    const distance = Math.abs(date.getTime() - holiday.date.getTime()) / DAY_MS;
    if (distance <= holiday.window) return 1 + (holiday.multiplier - 1) * Math.max(0.3, 1 - (distance / holiday.window) * 0.7);
  }
  return 1;
}

export function seasonMultiplier(date: Date): number {
  const month = date.getUTCMonth();
  if (month >= 2 && month <= 4) return 1.0;
  if (month >= 5 && month <= 7) return 0.9;
  if (month >= 8 && month <= 10) return 1.2;
  return 1.4;
}

/** Monday..Sunday. */
const DAY_OF_WEEK = [0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.1];
export function dayOfWeekMultiplier(date: Date): number {
  return DAY_OF_WEEK[(date.getUTCDay() + 6) % 7]!;
}

export function isWeekend(date: Date): boolean {
  const day = date.getUTCDay();
  return day === 0 || day === 6;
}

const WEEKDAY_HOURS: Record<number, number> = {
  8: 0.3,
  9: 0.4,
  10: 0.5,
  11: 0.8,
  12: 1.146,
  13: 1.146,
  14: 0.7,
  15: 0.7,
  16: 0.7,
  17: 1.2,
  18: 1.46,
  19: 1.46,
  20: 0.9,
  21: 0.7,
};
const WEEKEND_HOURS: Record<number, number> = {
  9: 0.4,
  10: 0.6,
  11: 0.8,
  12: 1.0,
  13: 1.176,
  14: 1.285,
  15: 1.285,
  16: 1.176,
  17: 1.1,
  18: 1.0,
  19: 0.9,
  20: 0.8,
  21: 0.6,
};
/** Late and early hours for stores that open longer than 8–22 (24/7, 6am-midnight). */
const EDGE_HOUR = 0.12;

/** Opening hours from the store profile (the predecessor ignored them): [open, close) in hours. */
export function openingHours(operatingHours: string): [number, number] {
  switch (operatingHours) {
    case '24/7':
      return [0, 24];
    case '6am-midnight':
      return [6, 24];
    case '8am-10pm':
      return [8, 22];
    case '9am-9pm':
      return [9, 21];
    case '9am-6pm':
      return [9, 18];
    default:
      return [8, 22];
  }
}

export function hourMultiplier(date: Date, hour: number, operatingHours: string): number {
  const [open, close] = openingHours(operatingHours);
  if (hour < open || hour >= close) return 0;
  const table = isWeekend(date) ? WEEKEND_HOURS : WEEKDAY_HOURS;
  return table[hour] ?? EDGE_HOUR;
}

export type Weather = 'sunny' | 'cloudy' | 'rainy' | 'snowy' | 'stormy';
const WEATHER_FACTOR: Record<Weather, number> = { sunny: 1.1, cloudy: 1.0, rainy: 0.7, snowy: 0.6, stormy: 0.5 };

export function weatherOf(seed: number, day: string, geographyId: number): { weather: Weather; factor: number } {
  const random = deriveStream(seed, 'weather', day, geographyId);
  const month = parseDay(day).getUTCMonth();
  let weather: Weather;
  if (month >= 2 && month <= 4) weather = weighted(random, { sunny: 0.4, cloudy: 0.3, rainy: 0.3 });
  else if (month >= 5 && month <= 7) weather = weighted(random, { sunny: 0.6, cloudy: 0.3, rainy: 0.1 });
  else if (month >= 8 && month <= 10) weather = weighted(random, { sunny: 0.3, cloudy: 0.4, rainy: 0.2, snowy: 0.1 });
  else weather = weighted(random, { sunny: 0.2, cloudy: 0.3, rainy: 0.1, snowy: 0.3, stormy: 0.1 });
  return { weather, factor: WEATHER_FACTOR[weather] };
}

/** Store traffic for one day (before the hour shape): season × weekday × holiday × weather, capped at 5. */
export function dayMultiplier(date: Date, weatherFactor: number): number {
  if (date.getUTCMonth() === 11 && date.getUTCDate() === 25) return 0; // closed on Christmas Day
  return Math.min(5, seasonMultiplier(date) * dayOfWeekMultiplier(date) * holidayMultiplier(date) * weatherFactor);
}

/** Marketing intensity: Thanksgiving window, pre-Christmas and summer holiday weekends. */
export function marketingMultiplier(date: Date): number {
  const year = date.getUTCFullYear();
  const thanksgiving = thanksgivingOf(year).getTime();
  const time = date.getTime();
  if (time === thanksgiving + DAY_MS) return 2.5; // Black Friday itself (unreachable in the predecessor)
  if (time >= thanksgiving - 10 * DAY_MS && time <= thanksgiving + DAY_MS) return 1.7;
  const christmas = Date.UTC(year, 11, 25);
  if (time >= christmas - 14 * DAY_MS && time < christmas) return 1.5;
  for (const name of ['memorial_day', 'independence_day', 'labor_day']) {
    const holiday = holidaysOf(year).find((h) => h.name === name)!;
    if (Math.abs(time - holiday.date.getTime()) <= 2 * DAY_MS) return 1.5;
  }
  return 1;
}
