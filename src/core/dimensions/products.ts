/**
 * dim_products: base products paired with brands of the matching category, with the
 * predecessor's pricing model, refrigeration and taxability rules and launch dates. Fixes: every department
 * appears (brands are not lost), and the 10% reduced-rate rule uses a stable hash, so products are the same
 * in every process.
 */
import type { VolumeConfig } from '../config/volume.js';
import { deriveStream, stableHash, WeightedTable, type RandomStream } from '../rng.js';
import { BASE_PRODUCTS, BRANDS, DEPARTMENT_BRAND_CATEGORY, DEPARTMENT_WEIGHTS, type BaseProduct } from './dictionaries/catalogue.js';
import { column, roundCents, type ColumnarTable } from '../columnar-table.js';

export const DEPARTMENTS = Object.keys(DEPARTMENT_WEIGHTS);

const NON_FOOD_DEPARTMENTS = [
  'Electronics',
  'Clothing',
  'Health & Beauty',
  'Baby & Kids',
  'Home & Garden',
  'Pet Supplies',
  'Automotive',
  'Office Supplies',
  'Seasonal',
  'Sports & Recreation',
];
const FOOD_WORDS = /food|grocery|fresh|frozen|meat|dairy|produce|beverage|snack|bakery|pantry|organic/i;
const CLOTHING_WORDS = /apparel|clothing|fashion|wear|shoe|footwear/i;

export function requiresRefrigeration(product: BaseProduct): boolean {
  if (product.category === 'Produce' || product.category === 'Baby Food') return true;
  if (/refrigerated/i.test(product.subcategory)) return true;
  if (NON_FOOD_DEPARTMENTS.includes(product.department)) return false;
  return ['Dairy & Alternatives', 'Meat & Poultry', 'Seafood', 'Deli'].includes(product.category) || product.category === 'Frozen';
}

export type Taxability = 'TAXABLE' | 'NON_TAXABLE' | 'REDUCED_RATE';

export function taxability(product: BaseProduct): Taxability {
  const text = `${product.department} ${product.category}`;
  if (FOOD_WORDS.test(text) || product.category === 'Baby Food') return 'NON_TAXABLE';
  if (CLOTHING_WORDS.test(text)) return 'REDUCED_RATE';
  return stableHash(`${product.department}:${product.category}`) % 100 < 10 ? 'REDUCED_RATE' : 'TAXABLE';
}

/** MSRP, sale price and cost in cents: Cost < SalePrice <= MSRP and cost/sale in [0.50, 0.85]. */
export function price(random: RandomStream, basePrice: number): { msrp: number; sale: number; cost: number } {
  const base = basePrice * random.uniform(0.85, 1.15);
  const msrp = Math.max(0.02, roundCents(base * (1 + random.uniform(-0.15, 0.15))));
  const sale = random.chance(0.6) ? msrp : Math.max(0.02, roundCents(msrp * (1 - random.uniform(0.05, 0.35))));
  const cost = Math.max(0.01, Math.min(roundCents(sale - 0.01), roundCents(sale * random.uniform(0.5, 0.85))));
  return { msrp, sale, cost };
}

const TAG_RULES: [RegExp, string][] = [
  [/turkey|cranberry|pumpkin pie/i, 'thanksgiving; holiday; main_course'],
  [/wreath|string lights|wrapping paper/i, 'christmas; holiday; decor'],
  [/costume|fun size candy/i, 'halloween; seasonal'],
  [/backpack|notebook|gel pens|binder/i, 'back_to_school'],
  [/beach towel|cooler|sparkling water|ice cream/i, 'summer'],
];

function tagsFor(name: string): string | null {
  for (const [pattern, tags] of TAG_RULES) if (pattern.test(name)) return tags;
  return null;
}

const DAY_MS = 86_400_000;

export function productsTable(seed: number, volume: VolumeConfig, launchReference: string): ColumnarTable {
  const random = deriveStream(seed, 'dim_products');
  const total = volume.total_products;
  const byDepartment = new Map<string, BaseProduct[]>();
  for (const product of BASE_PRODUCTS) {
    const list = byDepartment.get(product.department) ?? [];
    list.push(product);
    byDepartment.set(product.department, list);
  }
  const departmentTable = new WeightedTable(
    DEPARTMENTS,
    DEPARTMENTS.map((d) => DEPARTMENT_WEIGHTS[d]!),
  );
  const reference = Date.parse(`${launchReference}T00:00:00Z`);

  const columns = {
    ids: new Int32Array(total),
    names: new Array<string>(total),
    departments: new Array<string>(total),
    categories: new Array<string>(total),
    subcategories: new Array<string>(total),
    brands: new Array<string>(total),
    companies: new Array<string>(total),
    costs: new Float64Array(total),
    msrps: new Float64Array(total),
    sales: new Float64Array(total),
    refrigerated: new Array<boolean>(total),
    launches: new Array<Date>(total),
    taxability: new Array<string>(total),
    tags: new Array<string | null>(total),
  };
  for (let i = 0; i < total; i++) {
    const id = i + 1;
    // The first products cover every department once, so even a tiny catalogue has them all.
    const department = i < DEPARTMENTS.length ? DEPARTMENTS[i]! : departmentTable.pick(random);
    const base = random.pick(byDepartment.get(department)!);
    const brand = random.pick(BRANDS[DEPARTMENT_BRAND_CATEGORY[department]!]);
    const { msrp, sale, cost } = price(random, base.basePrice);
    let launchOffsetDays: number;
    if (id <= Math.floor(total * 0.6)) launchOffsetDays = -random.int(180, 730);
    else if (id <= Math.floor(total * 0.9)) launchOffsetDays = random.int(0, 180);
    else launchOffsetDays = random.int(180, 365);
    columns.ids[i] = id;
    columns.names[i] = base.name;
    columns.departments[i] = base.department;
    columns.categories[i] = base.category;
    columns.subcategories[i] = base.subcategory;
    columns.brands[i] = brand.brand;
    columns.companies[i] = brand.company;
    columns.costs[i] = cost;
    columns.msrps[i] = msrp;
    columns.sales[i] = sale;
    columns.refrigerated[i] = requiresRefrigeration(base);
    columns.launches[i] = new Date(reference + launchOffsetDays * DAY_MS);
    columns.taxability[i] = taxability(base);
    columns.tags[i] = tagsFor(base.name);
  }
  return {
    name: 'dim_products',
    rowCount: total,
    columns: [
      column('ID', 'INT32', columns.ids),
      column('ProductName', 'STRING', columns.names),
      column('Brand', 'STRING', columns.brands),
      column('Company', 'STRING', columns.companies),
      column('Department', 'STRING', columns.departments),
      column('Category', 'STRING', columns.categories),
      column('Subcategory', 'STRING', columns.subcategories),
      column('Cost', 'DOUBLE', columns.costs),
      column('MSRP', 'DOUBLE', columns.msrps),
      column('SalePrice', 'DOUBLE', columns.sales),
      column('RequiresRefrigeration', 'BOOLEAN', columns.refrigerated),
      column('LaunchDate', 'TIMESTAMP', columns.launches),
      column('taxability', 'STRING', columns.taxability),
      column('Tags', 'STRING', columns.tags),
    ],
  };
}
