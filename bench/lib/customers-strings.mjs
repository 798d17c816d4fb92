// dim_customers as it was generated before src/core/utf8-strings.ts: one JavaScript string per text value,
// the same draws in the same order. Kept here (not in src/) so bench/master.mjs can time the old path beside
// the new one in the same run, and check that both give the same Parquet bytes.
import { deriveStream } from '../../dist/src/core/rng.js';
import { syntheticAddress } from '../../dist/src/core/dimensions/addresses.js';
import { base36Id } from '../../dist/src/core/dimensions/customers.js';
import { FIRST_NAMES, LAST_NAMES, PHONE_AREA_CODES } from '../../dist/src/core/dimensions/dictionaries/names.js';
import { apportion } from '../../dist/src/core/dimensions/places.js';

export function customersTableAsStrings(seed, volume, geographies) {
  const random = deriveStream(seed, 'dim_customers');
  const total = volume.total_customers;
  const counts = apportion(
    total,
    geographies.map((g) => g.weight),
  );
  const ids = new Int32Array(total);
  const geographyIds = new Int32Array(total);
  const [firstNames, lastNames, addresses, loyalty, phones, bleIds, adIds] = Array.from({ length: 7 }, () => new Array(total));
  let row = 0;
  geographies.forEach((geography, g) => {
    for (let n = 0; n < counts[g]; n++, row++) {
      const id = row + 1;
      ids[row] = id;
      geographyIds[row] = geography.id;
      firstNames[row] = FIRST_NAMES[random.int(0, FIRST_NAMES.length - 1)];
      lastNames[row] = LAST_NAMES[random.int(0, LAST_NAMES.length - 1)];
      addresses[row] = syntheticAddress(random, 'residential', geography);
      loyalty[row] = `LC${String(id).padStart(6, '0')}${random.int(100, 999)}`;
      phones[row] = `(${PHONE_AREA_CODES[random.int(0, PHONE_AREA_CODES.length - 1)]}) ${random.int(200, 999)}-${random.int(1000, 9999)}`;
      const shortId = base36Id(id);
      bleIds[row] = `BLE${shortId}`;
      adIds[row] = `AD${shortId}`;
    }
  });
  const column = (name, type, data) => ({ name, type, data });
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
