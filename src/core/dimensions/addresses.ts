/** Synthetic street addresses: plausible, never a real, famous address. */
import type { RandomStream } from '../rng.js';
import { STREET_NAMES, STREET_PREFIXES, STREET_TYPES } from './dictionaries/names.js';
import type { GeographyEntry } from './dictionaries/geographies.js';

export type AddressKind = 'residential' | 'commercial' | 'industrial';

const NUMBER_RANGES: Record<AddressKind, [number, number]> = {
  residential: [100, 9999],
  commercial: [1000, 99999],
  industrial: [1, 999],
};

export function syntheticAddress(random: RandomStream, kind: AddressKind, place: GeographyEntry): string {
  const [min, max] = NUMBER_RANGES[kind];
  const number = random.int(min, max);
  const prefix = random.chance(0.3) ? `${random.pick(STREET_PREFIXES)} ` : '';
  const street = random.chance(0.7) ? random.pick(STREET_NAMES) : `${random.pick(STREET_NAMES)} ${random.pick(STREET_NAMES)}`;
  return `${number} ${prefix}${street} ${random.pick(STREET_TYPES)}, ${place.city}, ${place.state} ${place.zip}`;
}
