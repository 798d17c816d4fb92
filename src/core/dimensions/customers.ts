/**
 * dim_customers, built column by column for 400,000+ rows. Counts per geography are
 * apportioned exactly, so the table has exactly total_customers rows.
 */
import type { VolumeConfig } from '../config/volume.js';
import { deriveStream } from '../rng.js';
import { addressPlaceBytes, appendSyntheticAddress } from './addresses.js';
import { FIRST_NAMES, LAST_NAMES, PHONE_AREA_CODES } from './dictionaries/names.js';
import { apportion, type SelectedGeography } from './places.js';
import { column, type ColumnarTable } from '../columnar-table.js';
import { utf8Piece, utf8Pieces, Utf8StringsBuilder } from '../utf8-strings.js';

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const BASE36_DIGITS = 6;
const BASE36_SPACE = 36 ** BASE36_DIGITS;

/** Six base-36 characters of the id (wrapping past 36^6), shared by BLE and advertising ids. */
export function base36Id(id: number): string {
  let value = id % BASE36_SPACE;
  let text = '';
  for (let i = 0; i < BASE36_DIGITS; i++) {
    text = BASE36[value % 36] + text;
    value = Math.floor(value / 36);
  }
  return text;
}

// UTF-8 sizes to start the builders at (they grow if a value runs longer): typical values plus a margin.
const EXPECTED_ADDRESS_BYTES = 48;
const LOYALTY_PREFIX = utf8Piece('LC');
const BLE_PREFIX = utf8Piece('BLE');
const AD_PREFIX = utf8Piece('AD');
const AREA_CODES = utf8Pieces(PHONE_AREA_CODES);
const [OPEN_PAREN, CLOSE_PAREN, SPACE, DASH] = [0x28, 0x29, 0x20, 0x2d];

/**
 * The mostly unique text columns are written as UTF-8 bytes (src/core/utf8-strings.ts), drawing exactly what
 * the string forms draw, in the same order: the loyalty card is `LC` + the id in six digits + three random
 * digits, the phone `(AAA) NNN-NNNN`, the BLE and ad ids a prefix + `base36Id(id)`.
 */
export function customersTable(seed: number, volume: VolumeConfig, geographies: SelectedGeography[]): ColumnarTable {
  const random = deriveStream(seed, 'dim_customers');
  const total = volume.total_customers;
  const counts = apportion(
    total,
    geographies.map((g) => g.weight),
  );
  const ids = new Int32Array(total);
  const geographyIds = new Int32Array(total);
  const firstNames = new Array<string>(total);
  const lastNames = new Array<string>(total);
  const addresses = new Utf8StringsBuilder(total, EXPECTED_ADDRESS_BYTES);
  const loyalty = new Utf8StringsBuilder(total, 12);
  const phones = new Utf8StringsBuilder(total, 14);
  const bleIds = new Utf8StringsBuilder(total, 9);
  const adIds = new Utf8StringsBuilder(total, 8);
  let row = 0;
  geographies.forEach((geography, g) => {
    const place = addressPlaceBytes(geography);
    for (let n = 0; n < counts[g]!; n++, row++) {
      const id = row + 1;
      ids[row] = id;
      geographyIds[row] = geography.id;
      firstNames[row] = FIRST_NAMES[random.int(0, FIRST_NAMES.length - 1)]!;
      lastNames[row] = LAST_NAMES[random.int(0, LAST_NAMES.length - 1)]!;
      appendSyntheticAddress(addresses, random, 'residential', place);
      loyalty.piece(LOYALTY_PREFIX).digits(id, 6).digits(random.int(100, 999)).end();
      phones
        .byte(OPEN_PAREN)
        .piece(AREA_CODES[random.int(0, AREA_CODES.length - 1)]!)
        .byte(CLOSE_PAREN)
        .byte(SPACE);
      phones.digits(random.int(200, 999)).byte(DASH).digits(random.int(1000, 9999)).end();
      bleIds.piece(BLE_PREFIX).base36(id, BASE36_DIGITS).end();
      adIds.piece(AD_PREFIX).base36(id, BASE36_DIGITS).end();
    }
  });
  return {
    name: 'dim_customers',
    rowCount: total,
    columns: [
      column('ID', 'INT32', ids),
      column('FirstName', 'STRING', firstNames),
      column('LastName', 'STRING', lastNames),
      column('Address', 'STRING', addresses.finish()),
      column('GeographyID', 'INT32', geographyIds),
      column('LoyaltyCard', 'STRING', loyalty.finish()),
      column('Phone', 'STRING', phones.finish()),
      column('BLEId', 'STRING', bleIds.finish()),
      column('AdId', 'STRING', adIds.finish()),
    ],
  };
}
