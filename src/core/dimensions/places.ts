/**
 * dim_geographies, dim_distribution_centers and dim_stores (with profiles), modelled on the predecessor's.
 * Fixes: the "south" weighting now matches the Southeast/Southwest regions it was meant for, and store
 * counts are exact (largest-remainder apportionment instead of rounding per geography).
 */
import type { VolumeConfig } from '../config/volume.js';
import { deriveStream, weighted, type RandomStream } from '../rng.js';
import { syntheticAddress } from './addresses.js';
import { DEFAULT_TAX_RATE, GEOGRAPHIES, STATE_TAX_RATES, type GeographyEntry } from './dictionaries/geographies.js';
import { column, type ColumnarTable } from '../columnar-table.js';

export interface SelectedGeography extends GeographyEntry {
  id: number;
  /** Placement weight (denser, larger regions weigh more). */
  weight: number;
}

export function selectGeographies(seed: number, volume: VolumeConfig): SelectedGeography[] {
  const random = deriveStream(seed, 'dim_geographies');
  const indexes = random.shuffle(GEOGRAPHIES.map((_, i) => i)).slice(0, Math.min(volume.total_geographies, GEOGRAPHIES.length));
  return indexes.map((index, i) => {
    const entry = GEOGRAPHIES[index]!;
    let weight = /^(west|southeast|southwest|northeast)$/i.test(entry.region) ? 1.5 : 1;
    if (/metro|urban|city/i.test(entry.district)) weight *= 2;
    weight *= random.uniform(0.8, 1.2);
    return { ...entry, id: i + 1, weight };
  });
}

export function geographiesTable(geographies: SelectedGeography[]): ColumnarTable {
  return {
    name: 'dim_geographies',
    rowCount: geographies.length,
    columns: [
      column(
        'ID',
        'INT32',
        Int32Array.from(geographies, (g) => g.id),
      ),
      column(
        'City',
        'STRING',
        geographies.map((g) => g.city),
      ),
      column(
        'State',
        'STRING',
        geographies.map((g) => g.state),
      ),
      column(
        'ZipCode',
        'STRING',
        geographies.map((g) => g.zip),
      ),
      column(
        'District',
        'STRING',
        geographies.map((g) => g.district),
      ),
      column(
        'Region',
        'STRING',
        geographies.map((g) => g.region),
      ),
    ],
  };
}

/** Splits `total` over weights exactly (largest remainder), so the counts always add up. */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (total * w) / sum);
  const counts = raw.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((value, index) => ({ index, fraction: value - Math.floor(value) })).sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (const { index } of order) {
    if (left <= 0) break;
    counts[index]!++;
    left--;
  }
  return counts;
}

export interface DistributionCenter {
  id: number;
  geographyId: number;
  state: string;
}

export function distributionCenters(
  seed: number,
  volume: VolumeConfig,
  geographies: SelectedGeography[],
): { rows: DistributionCenter[]; table: ColumnarTable } {
  const random = deriveStream(seed, 'dim_distribution_centers');
  const strategic = [...geographies].sort((a, b) => b.weight - a.weight || a.id - b.id).slice(0, Math.min(volume.dcs, geographies.length));
  const rows = strategic.map((g, i) => ({ id: i + 1, geographyId: g.id, state: g.state }));
  return {
    rows,
    table: {
      name: 'dim_distribution_centers',
      rowCount: rows.length,
      columns: [
        column(
          'ID',
          'INT32',
          Int32Array.from(rows, (r) => r.id),
        ),
        column(
          'DCNumber',
          'STRING',
          rows.map((r) => `DC${String(r.id).padStart(3, '0')}`),
        ),
        column(
          'Address',
          'STRING',
          strategic.map((g) => syntheticAddress(random, 'industrial', g)),
        ),
        column(
          'GeographyID',
          'INT32',
          Int32Array.from(rows, (r) => r.geographyId),
        ),
      ],
    },
  };
}

export type VolumeClass = 'flagship' | 'high_volume' | 'medium_volume' | 'low_volume' | 'kiosk';
export type StoreFormat = 'hypermarket' | 'superstore' | 'standard' | 'neighborhood' | 'express';

const URBAN_SHARE: Record<string, Record<'urban' | 'suburban' | 'rural', number>> = {
  dense: { urban: 0.5, suburban: 0.4, rural: 0.1 },
  mixed: { urban: 0.2, suburban: 0.6, rural: 0.2 },
  sparse: { urban: 0.1, suburban: 0.5, rural: 0.4 },
};
const VOLUME_WEIGHTS: Record<'urban' | 'other', Record<VolumeClass, number>> = {
  urban: { flagship: 0.1, high_volume: 0.25, medium_volume: 0.45, low_volume: 0.15, kiosk: 0.05 },
  other: { flagship: 0.02, high_volume: 0.1, medium_volume: 0.53, low_volume: 0.3, kiosk: 0.05 },
};
const TRAFFIC_RANGE: Record<VolumeClass, [number, number]> = {
  flagship: [2.5, 3.0],
  high_volume: [1.8, 2.4],
  medium_volume: [0.8, 1.2],
  low_volume: [0.4, 0.7],
  kiosk: [0.25, 0.35],
};

function formatFor(random: RandomStream, volumeClass: VolumeClass, urban: boolean): StoreFormat {
  switch (volumeClass) {
    case 'flagship':
      return urban ? weighted(random, { superstore: 0.6, hypermarket: 0.3, standard: 0.1 }) : weighted(random, { hypermarket: 0.7, superstore: 0.3 });
    case 'high_volume':
      return weighted(random, { superstore: 0.6, standard: 0.3, hypermarket: 0.1 });
    case 'medium_volume':
      return weighted(random, { standard: 0.6, superstore: 0.2, neighborhood: 0.2 });
    case 'low_volume':
      return weighted(random, { neighborhood: 0.5, standard: 0.3, express: 0.2 });
    default:
      return weighted(random, { express: 0.8, neighborhood: 0.2 });
  }
}

function hoursFor(random: RandomStream, format: StoreFormat, urban: boolean): string {
  if (format === 'express')
    return urban ? weighted(random, { '24/7': 0.3, '6am-midnight': 0.7 }) : weighted(random, { '6am-midnight': 0.4, '8am-10pm': 0.4, '9am-9pm': 0.2 });
  if (format === 'hypermarket' || format === 'superstore') {
    return urban ? weighted(random, { '6am-midnight': 0.6, '8am-10pm': 0.4 }) : weighted(random, { '6am-midnight': 0.3, '8am-10pm': 0.5, '9am-9pm': 0.2 });
  }
  return weighted(random, { '8am-10pm': 0.6, '6am-midnight': 0.2, '9am-9pm': 0.2 });
}

export interface StoreRow {
  id: number;
  geographyId: number;
  state: string;
  taxRate: number;
  volumeClass: VolumeClass;
  format: StoreFormat;
  hours: string;
  trafficMultiplier: number;
}

export function stores(
  seed: number,
  volume: VolumeConfig,
  geographies: SelectedGeography[],
  dcs: DistributionCenter[],
): { rows: StoreRow[]; table: ColumnarTable } {
  const random = deriveStream(seed, 'dim_stores');
  const dcStates = new Set(dcs.map((dc) => dc.state));
  // Stores open only where a DC can supply them.
  const eligible = geographies.filter((g) => dcStates.has(g.state)).sort((a, b) => b.weight - a.weight || a.id - b.id);
  const perGeography = new Array<number>(eligible.length).fill(0);
  const seeded = Math.min(volume.stores, eligible.length);
  for (let i = 0; i < seeded; i++) perGeography[i] = 1;
  apportion(
    volume.stores - seeded,
    eligible.map((g) => g.weight),
  ).forEach((count, i) => (perGeography[i]! += count));

  const urbanity = new Map<number, boolean>();
  for (const g of eligible) {
    const share =
      g.region === 'Northeast' || g.region === 'West'
        ? URBAN_SHARE.dense!
        : g.region === 'Midwest' || g.region === 'Southeast'
          ? URBAN_SHARE.mixed!
          : URBAN_SHARE.sparse!;
    urbanity.set(g.id, weighted(random, share) === 'urban');
  }
  const rows: StoreRow[] = [];
  const addresses: string[] = [];
  eligible.forEach((g, index) => {
    for (let n = 0; n < perGeography[index]!; n++) {
      const urban = urbanity.get(g.id)!;
      const volumeClass = weighted(random, VOLUME_WEIGHTS[urban ? 'urban' : 'other']);
      const format = formatFor(random, volumeClass, urban);
      const [low, high] = TRAFFIC_RANGE[volumeClass];
      rows.push({
        id: rows.length + 1,
        geographyId: g.id,
        state: g.state,
        taxRate: STATE_TAX_RATES[g.state] ?? DEFAULT_TAX_RATE,
        volumeClass,
        format,
        hours: hoursFor(random, format, urban),
        trafficMultiplier: Math.round(random.uniform(low, high) * 1000) / 1000,
      });
      addresses.push(syntheticAddress(random, 'commercial', g));
    }
  });
  return {
    rows,
    table: {
      name: 'dim_stores',
      rowCount: rows.length,
      columns: [
        column(
          'ID',
          'INT32',
          Int32Array.from(rows, (r) => r.id),
        ),
        column(
          'StoreNumber',
          'STRING',
          rows.map((r) => `S${String(r.id).padStart(6, '0')}`),
        ),
        column('Address', 'STRING', addresses),
        column(
          'GeographyID',
          'INT32',
          Int32Array.from(rows, (r) => r.geographyId),
        ),
        column(
          'tax_rate',
          'DOUBLE',
          Float64Array.from(rows, (r) => r.taxRate),
        ),
        column(
          'volume_class',
          'STRING',
          rows.map((r) => r.volumeClass),
        ),
        column(
          'store_format',
          'STRING',
          rows.map((r) => r.format),
        ),
        column(
          'operating_hours',
          'STRING',
          rows.map((r) => r.hours),
        ),
        column(
          'daily_traffic_multiplier',
          'DOUBLE',
          Float64Array.from(rows, (r) => r.trafficMultiplier),
        ),
      ],
    },
  };
}
