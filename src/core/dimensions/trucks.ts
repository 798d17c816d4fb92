/**
 * dim_trucks: DC fleets assigned round-robin, an unassigned pool, and supplier fleets
 * (DCID null). Plates depend only on (seed, truck id), so fleet size changes do not reshuffle plates.
 */
import type { VolumeConfig } from '../config/volume.js';
import { deriveStream } from '../rng.js';
import type { DistributionCenter } from './places.js';
import { column, type ColumnarTable } from '../columnar-table.js';

export interface TruckRow {
  id: number;
  refrigerated: boolean;
  dcId: number | null;
  supplier: boolean;
}

export function truckRows(volume: VolumeConfig, dcs: DistributionCenter[]): TruckRow[] {
  const fleet = volume.refrigerated_trucks + volume.non_refrigerated_trucks;
  const rows: TruckRow[] = [];
  const add = (refrigerated: boolean, dcId: number | null, supplier = false) => rows.push({ id: rows.length + 1, refrigerated, dcId, supplier });
  let refrigeratedLeft = volume.refrigerated_trucks;
  let dryLeft = volume.non_refrigerated_trucks;
  if (dcs.length > 0 && volume.trucks_per_dc !== null) {
    // Every DC gets exactly trucks_per_dc trucks, refrigerated first while the quota lasts.
    for (const dc of dcs) {
      for (let n = 0; n < volume.trucks_per_dc; n++) {
        const refrigerated = refrigeratedLeft > 0;
        if (refrigerated) refrigeratedLeft--;
        else dryLeft = Math.max(0, dryLeft - 1);
        add(refrigerated, dc.id);
      }
    }
  } else if (dcs.length > 0 && fleet > 0) {
    const assigned = Math.floor(fleet * volume.truck_dc_assignment_rate);
    const assignedRefrigerated = Math.floor((assigned * volume.refrigerated_trucks) / fleet);
    let next = 0;
    for (let n = 0; n < assigned; n++) {
      const refrigerated = n < assignedRefrigerated;
      add(refrigerated, dcs[next++ % dcs.length]!.id);
    }
    refrigeratedLeft -= assignedRefrigerated;
    dryLeft -= assigned - assignedRefrigerated;
  }
  for (let n = 0; n < refrigeratedLeft; n++) add(true, null);
  for (let n = 0; n < dryLeft; n++) add(false, null);
  for (let n = 0; n < volume.supplier_refrigerated_trucks; n++) add(true, null, true);
  for (let n = 0; n < volume.supplier_non_refrigerated_trucks; n++) add(false, null, true);
  return rows;
}

const LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

export function licensePlate(seed: number, truckId: number): string {
  const random = deriveStream(seed, 'truck-plate', truckId);
  let plate = '';
  for (let i = 0; i < 3; i++) plate += LETTERS[random.int(0, LETTERS.length - 1)];
  return `${plate}${random.int(1000, 9999)}`;
}

export function trucksTable(seed: number, rows: TruckRow[]): ColumnarTable {
  return {
    name: 'dim_trucks',
    rowCount: rows.length,
    columns: [
      column(
        'ID',
        'INT32',
        Int32Array.from(rows, (r) => r.id),
      ),
      column(
        'LicensePlate',
        'STRING',
        rows.map((r) => licensePlate(seed, r.id)),
      ),
      column(
        'Refrigeration',
        'BOOLEAN',
        rows.map((r) => r.refrigerated),
      ),
      column(
        'DCID',
        'INT32',
        rows.map((r) => r.dcId),
      ),
      column(
        'FleetType',
        'STRING',
        rows.map((r) => (r.supplier ? 'supplier' : r.dcId === null ? 'pool' : 'dc')),
      ),
    ],
  };
}
