/** Synthetic street addresses: plausible, never a real, famous address. */
import type { RandomStream } from '../rng.js';
import { STREET_NAMES, STREET_PREFIXES, STREET_TYPES } from './dictionaries/names.js';
import type { GeographyEntry } from './dictionaries/geographies.js';
import { utf8Piece, utf8Pieces, type Utf8StringsBuilder } from '../utf8-strings.js';

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

const STREET_NAME_BYTES = utf8Pieces(STREET_NAMES);
const STREET_TYPE_BYTES = utf8Pieces(STREET_TYPES);
const STREET_PREFIX_BYTES = utf8Pieces(STREET_PREFIXES);
const SPACE = 0x20;

/** The place's part of an address (", City, ST 12345"), encoded once for all the addresses there. */
export function addressPlaceBytes(place: GeographyEntry): Uint8Array {
  return utf8Piece(`, ${place.city}, ${place.state} ${place.zip}`);
}

/**
 * `syntheticAddress` written into a UTF-8 builder: the same draws in the same order, so the same text, without
 * a string per address (`placeBytes` from `addressPlaceBytes`).
 */
export function appendSyntheticAddress(out: Utf8StringsBuilder, random: RandomStream, kind: AddressKind, placeBytes: Uint8Array): void {
  const [min, max] = NUMBER_RANGES[kind];
  out.digits(random.int(min, max)).byte(SPACE);
  if (random.chance(0.3)) out.piece(random.pick(STREET_PREFIX_BYTES)).byte(SPACE);
  if (random.chance(0.7)) out.piece(random.pick(STREET_NAME_BYTES));
  else out.piece(random.pick(STREET_NAME_BYTES)).byte(SPACE).piece(random.pick(STREET_NAME_BYTES));
  out.byte(SPACE).piece(random.pick(STREET_TYPE_BYTES)).piece(placeBytes);
  out.end();
}
