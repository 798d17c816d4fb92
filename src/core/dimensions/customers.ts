/**
 * dim_customers, built column by column for 400,000+ rows. Counts per geography are
 * apportioned exactly, so the table has exactly total_customers rows.
 */
import type { VolumeConfig } from '../config/volume.js';
import { deriveStream } from '../rng.js';
import { syntheticAddress } from './addresses.js';
import { FIRST_NAMES, LAST_NAMES, PHONE_AREA_CODES } from './dictionaries/names.js';
import { apportion, type SelectedGeography } from './places.js';
import { column, type ColumnarTable } from '../columnar-table.js';

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const BASE36_SPACE = 36 ** 6;

/** Six base-36 characters of the id (wrapping past 36^6), shared by BLE and advertising ids. */
export function base36Id(id: number): string {
  let value = id % BASE36_SPACE;
  let text = '';
  for (let i = 0; i < 6; i++) {
    text = BASE36[value % 36] + text;
    value = Math.floor(value / 36);
  }
  return text;
}

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
  const addresses = new Array<string>(total);
  const loyalty = new Array<string>(total);
  const phones = new Array<string>(total);
  const bleIds = new Array<string>(total);
  const adIds = new Array<string>(total);
  let row = 0;
  geographies.forEach((geography, g) => {
    for (let n = 0; n < counts[g]!; n++, row++) {
      const id = row + 1;
      ids[row] = id;
      geographyIds[row] = geography.id;
      firstNames[row] = FIRST_NAMES[random.int(0, FIRST_NAMES.length - 1)]!;
      lastNames[row] = LAST_NAMES[random.int(0, LAST_NAMES.length - 1)]!;
      addresses[row] = syntheticAddress(random, 'residential', geography);
      loyalty[row] = `LC${String(id).padStart(6, '0')}${random.int(100, 999)}`;
      phones[row] = `(${PHONE_AREA_CODES[random.int(0, PHONE_AREA_CODES.length - 1)]}) ${random.int(200, 999)}-${random.int(1000, 9999)}`;
      const shortId = base36Id(id);
      bleIds[row] = `BLE${shortId}`;
      adIds[row] = `AD${shortId}`;
    }
  });
  return {
    name: 'dim_customers',
    rowCount: total,
    columns: [
      column('ID', 'INT32', ids),
      column('FirstName', 'STRING', firstNames),
      column('LastName', 'STRING', lastNames),
      column('Address', 'STRING', addresses),
      column('GeographyID', 'INT32', geographyIds),
      column('LoyaltyCard', 'STRING', loyalty),
      column('Phone', 'STRING', phones),
      column('BLEId', 'STRING', bleIds),
      column('AdId', 'STRING', adIds),
    ],
  };
}
