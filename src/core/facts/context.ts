/**
 * Master data as the fact generators need it, rebuilt in memory from the seed and volume (deterministic,
 * so no Parquet has to be read back), plus supply regions: every store is served by one distribution center
 * in its state, and every customer belongs to the region of their home geography. A region (DC and its
 * stores) is the unit of parallel work: its inventory evolves independently of every other region.
 */
import type { AppConfig } from '../config/schema.js';
import { base36Id } from '../dimensions/customers.js';
import { DEFAULT_LAUNCH_REFERENCE } from '../dimensions/index.js';
import { apportion, distributionCenters, selectGeographies, stores, type SelectedGeography, type StoreRow } from '../dimensions/places.js';
import { productsTable } from '../dimensions/products.js';
import { columnOf } from '../columnar-table.js';
import { truckRows, type TruckRow } from '../dimensions/trucks.js';

export interface ProductInfo {
  id: number;
  name: string;
  department: string;
  category: string;
  saleCents: number;
  taxMultiplierPercent: number;
  refrigerated: boolean;
  launchDay: string;
  /** Basket category used by shopping behaviour (see shopping.ts). */
  basketCategory: BasketCategory;
  food: boolean;
}

export type BasketCategory = 'food' | 'beverages' | 'household' | 'personal_care' | 'electronics' | 'clothing' | 'home_garden' | 'other';

export interface Region {
  dcId: number;
  stores: StoreRow[];
  /** Customer ids living in the region (1-based). */
  customers: Int32Array;
  trucks: TruckRow[];
}

export interface FactContext {
  seed: number;
  config: AppConfig;
  geographies: SelectedGeography[];
  stores: StoreRow[];
  products: ProductInfo[];
  regions: Region[];
  customerCount: number;
  /** Customers per geography id, for store affinity. */
  customersByGeography: Map<number, { first: number; count: number }>;
  poolTrucks: TruckRow[];
}

function basketCategoryOf(department: string, category: string, name: string): BasketCategory {
  if (/beverage|coffee|tea|juice|soda|water/i.test(`${category} ${name}`)) return 'beverages';
  if (department === 'Grocery' || (department === 'Baby & Kids' && category === 'Baby Food')) return 'food';
  if (department === 'Health & Beauty' || department === 'Baby & Kids') return 'personal_care';
  if (department === 'Electronics') return 'electronics';
  if (department === 'Clothing') return 'clothing';
  if (department === 'Home & Garden') return /cleaning/i.test(category) ? 'household' : 'home_garden';
  if (department === 'Pet Supplies' || department === 'Office Supplies') return 'household';
  return 'other';
}

const TAX_MULTIPLIER: Record<string, number> = { TAXABLE: 100, REDUCED_RATE: 50, NON_TAXABLE: 0 };

export function buildFactContext(config: AppConfig): FactContext {
  const { seed, volume } = config;
  const geographies = selectGeographies(seed, volume);
  const dcs = distributionCenters(seed, volume, geographies).rows;
  const storeRows = stores(seed, volume, geographies, dcs).rows;
  const trucks = truckRows(volume, dcs);

  const table = productsTable(seed, volume, config.historical.start_date ?? DEFAULT_LAUNCH_REFERENCE);
  const names = columnOf(table, 'ProductName') as string[];
  const departments = columnOf(table, 'Department') as string[];
  const categories = columnOf(table, 'Category') as string[];
  const sale = columnOf(table, 'SalePrice') as Float64Array;
  const taxability = columnOf(table, 'taxability') as string[];
  const refrigerated = columnOf(table, 'RequiresRefrigeration') as boolean[];
  const launches = columnOf(table, 'LaunchDate') as Date[];
  const products: ProductInfo[] = names.map((name, i) => ({
    id: i + 1,
    name,
    department: departments[i]!,
    category: categories[i]!,
    saleCents: Math.round(sale[i]! * 100),
    taxMultiplierPercent: TAX_MULTIPLIER[taxability[i]!] ?? 100,
    refrigerated: refrigerated[i]!,
    launchDay: launches[i]!.toISOString().slice(0, 10),
    basketCategory: basketCategoryOf(departments[i]!, categories[i]!, name),
    food: departments[i] === 'Grocery' || categories[i] === 'Baby Food',
  }));

  // Customers occupy contiguous id blocks per geography, in geography order (as dim_customers does).
  const counts = apportion(
    volume.total_customers,
    geographies.map((g) => g.weight),
  );
  const customersByGeography = new Map<number, { first: number; count: number }>();
  let next = 1;
  geographies.forEach((g, i) => {
    customersByGeography.set(g.id, { first: next, count: counts[i]! });
    next += counts[i]!;
  });

  const geographyById = new Map(geographies.map((g) => [g.id, g]));
  const dcOfState = new Map<string, number>();
  for (const dc of dcs) if (!dcOfState.has(dc.state)) dcOfState.set(dc.state, dc.id);
  const dcOfRegionName = new Map<string, number>();
  for (const dc of dcs) {
    const regionName = geographyById.get(dc.geographyId)!.region;
    if (!dcOfRegionName.has(regionName)) dcOfRegionName.set(regionName, dc.id);
  }
  const regionOfGeography = (g: SelectedGeography) => dcOfState.get(g.state) ?? dcOfRegionName.get(g.region) ?? dcs[0]!.id;

  const regions: Region[] = dcs.map((dc) => {
    const regionStores = storeRows.filter((s) => dcOfState.get(s.state) === dc.id);
    const ids: number[] = [];
    for (const g of geographies) {
      if (regionOfGeography(g) !== dc.id) continue;
      const block = customersByGeography.get(g.id)!;
      for (let c = 0; c < block.count; c++) ids.push(block.first + c);
    }
    return { dcId: dc.id, stores: regionStores, customers: Int32Array.from(ids), trucks: trucks.filter((t) => t.dcId === dc.id) };
  });

  return {
    seed,
    config,
    geographies,
    stores: storeRows,
    products,
    regions,
    customerCount: volume.total_customers,
    customersByGeography,
    poolTrucks: trucks.filter((t) => t.dcId === null && !t.supplier),
  };
}

export function bleIdOf(customerId: number): string {
  return `BLE${base36Id(customerId)}`;
}

export function adIdOf(customerId: number): string {
  return `AD${base36Id(customerId)}`;
}
