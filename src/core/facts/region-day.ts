/**
 * One day of one supply region (a DC and the stores it serves): DC supplier receipts and store
 * replenishment, trucks, store visits (foot traffic, BLE, receipts and lines), returns, online orders
 * fulfilled in the region, cycle counts. Every inventory movement is applied in time order to running
 * balances, so each row's balance is exact and a shortage is a STOCKOUT event, never a clamp.
 *
 * Random streams are keyed by (seed, stream, day, location), so the output of a region-day does not
 * depend on which worker makes it or in what order.
 */
import { deriveStream, weighted, type RandomStream } from '../rng.js';
import type { StoreFormat, StoreRow } from '../dimensions/places.js';
import { FACT_TABLES, type FactTable } from '../dataset-tables.js';
import { FactTableBuilder, cents, lineTaxCents } from './builder.js';
import { dayMultiplier, hourMultiplier, openingHours, parseDay, seasonMultiplier, holidayMultiplier, thanksgivingOf, weatherOf } from './calendar.js';
import { bleIdOf, type FactContext, type ProductInfo, type Region } from './context.js';
import { dcReorderPoint, storeReorderPoint, type RegionBalances } from './inventory.js';
import { assortmentFor, basket, promotionsFor, segmentOf, TENDERS, type WantedLine } from './shopping.js';


/** Every fact table but marketing, which is made per day for the whole chain (marketing.ts), not per region. */
export type RegionTable = Exclude<FactTable, 'fact_marketing'>;
export const REGION_TABLES: readonly RegionTable[] = FACT_TABLES.filter((t): t is RegionTable => t !== 'fact_marketing');

export type RegionDayOutput = Record<RegionTable, FactTableBuilder>;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Something that happens at a moment of a location's day; processed in time order. */
interface Intent {
  at: number;
  order: number;
  run: () => void;
}

/**
 * A binary min-heap of intents by (time, insertion order): inventory moves are applied strictly in time
 * order, and an intent may schedule later ones (a sale that is returned in the afternoon).
 */
class Timeline {
  private readonly heap: Intent[] = [];
  private counter = 0;

  private less(a: Intent, b: Intent): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  add(at: number, run: () => void): void {
    const heap = this.heap;
    heap.push({ at, order: this.counter++, run });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Intent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.less(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && this.less(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }

  drain(): void {
    for (let next = this.pop(); next; next = this.pop()) next.run();
  }
}

const ZONES_BY_FORMAT: Record<StoreFormat, number[]> = {
  hypermarket: [0.2, 0.1, 0.35, 0.25, 0.1],
  superstore: [0.25, 0.1, 0.3, 0.25, 0.1],
  standard: [0.3, 0.15, 0.25, 0.15, 0.15],
  neighborhood: [0.35, 0.15, 0.2, 0.1, 0.2],
  express: [0.45, 0.15, 0.1, 0.05, 0.25],
};
const FOOT_ZONES = ['ENTRANCE_MAIN', 'ENTRANCE_SIDE', 'AISLES_A', 'AISLES_B', 'CHECKOUT'];
const DWELL: [number, number][] = [[45, 90], [30, 75], [180, 420], [120, 300], [90, 240]];
const BLE_ZONES = ['ENTRANCE', 'ELECTRONICS', 'GROCERY', 'CLOTHING', 'CHECKOUT'];
const BLE_FORMAT: Record<StoreFormat, number> = { hypermarket: 1.6, superstore: 1.3, standard: 1.0, neighborhood: 0.85, express: 0.65 };

function conversionRate(hour: number, weekend: boolean): number {
  const peak = [12, 13, 17, 18, 19].includes(hour) ? 1.3 : [10, 11, 14, 15, 16].includes(hour) ? 1.0 : [8, 9, 20, 21].includes(hour) ? 0.7 : 0.5;
  return 0.2 * peak * (weekend ? 0.9 : 1);
}

/** Holiday demand boosts by product (Thanksgiving staples, Black Friday electronics, grilling season). */
function holidayBoost(date: Date): (product: ProductInfo) => number {
  const year = date.getUTCFullYear();
  const thanksgiving = thanksgivingOf(year).getTime();
  const time = date.getTime();
  const day = 86_400_000;
  if (time >= thanksgiving - 10 * day && time <= thanksgiving + day) {
    return (p) => (/turkey|cranberry|pie|stuffing|pumpkin/i.test(p.name) ? 3.5 : /flour|sugar|butter/i.test(p.name) ? 1.8 : 1);
  }
  if (time === thanksgiving + day) return (p) => (p.department === 'Electronics' ? 5 : p.department === 'Baby & Kids' ? 3 : 1);
  const christmas = Date.UTC(year, 11, 25);
  if (time >= christmas - 14 * day && time < christmas) return (p) => (/lights|wreath|wrapping|candy|cookie|chocolate/i.test(p.name) || p.department === 'Electronics' ? 1.6 : 1);
  return () => 1;
}

export interface RegionDayResult {
  tables: RegionDayOutput;
  balances: RegionBalances;
}

export function generateRegionDay(context: FactContext, region: Region, day: string, balances: RegionBalances): RegionDayResult {
  const { seed, config } = context;
  const volume = config.volume;
  const date = parseDay(day);
  const dayStart = date.getTime();
  const dateCode = day.replaceAll('-', '');
  const month = date.getUTCMonth() + 1;
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
  const out = Object.fromEntries(REGION_TABLES.map((t) => [t, new FactTableBuilder(t)])) as RegionDayOutput;
  const assortment = assortmentFor(context.products, day);
  const boost = holidayBoost(date);
  const dcId = region.dcId;
  const dcBalance = balances.dc;
  const dcLabel = pad(dcId, 3);

  // --- DC: supplier receipts for low positions, then loading store replenishment -------------------
  const dcRandom = deriveStream(seed, 'dc-day', day, dcId);
  const dcTimeline = new Timeline();
  const dcStockouts = new Set<number>();
  const dcMove = (at: number, productId: number, delta: number, type: string, source: string) => {
    dcBalance[productId]! += delta;
    out.fact_dc_inventory_txn.add(at, dcId, productId, delta, type, source, dcBalance[productId]!);
  };
  const lowAtDc = assortment.all.filter((p) => dcBalance[p.id]! <= dcReorderPoint(seed, volume, dcId, p.id));
  if (lowAtDc.length > 0) {
    const deliveries = Math.min(lowAtDc.length, dcRandom.int(1, 3));
    for (let d = 0; d < deliveries; d++) {
      const at = dayStart + dcRandom.int(1, 4) * HOUR_MS + dcRandom.int(0, 59) * MINUTE_MS;
      const source = `SUP${dateCode}${dcLabel}${pad(d + 1, 2)}`;
      const share = lowAtDc.filter((_, i) => i % deliveries === d);
      dcTimeline.add(at, () => {
        for (const product of share) dcMove(at, product.id, dcRandom.int(volume.dc_initial_inventory_min, volume.dc_initial_inventory_max), 'INBOUND_SHIPMENT', source);
      });
    }
  }

  interface Shipment {
    id: string;
    store: StoreRow;
    truckId: number;
    lines: { productId: number; quantity: number }[];
    loadedAt: number;
    departAt: number;
    arriveAt: number;
    unloadedAt: number;
  }
  const shipments: Shipment[] = [];
  const fleet = region.trucks.length > 0 ? region.trucks : context.poolTrucks;
  region.stores.forEach((store, index) => {
    const storeBalance = balances.stores.get(store.id)!;
    const needs = assortment.all.filter((p) => storeBalance[p.id]! <= storeReorderPoint(seed, volume, store.id, p.id));
    if (needs.length === 0) return;
    const travelHours = dcRandom.int(1, 5);
    const loadedAt = dayStart + (4 * 60 + index * 10) * MINUTE_MS;
    const departAt = dayStart + 6 * HOUR_MS;
    const arriveAt = departAt + travelHours * HOUR_MS;
    const shipment: Shipment = {
      id: `SHIP${dateCode}${dcLabel}${pad(store.id, 4)}`,
      store,
      truckId: fleet.length > 0 ? fleet[index % fleet.length]!.id : 0,
      lines: [],
      loadedAt,
      departAt,
      arriveAt,
      // Unloading takes about an hour; stock is on the shelf from the next full hour.
      unloadedAt: arriveAt + HOUR_MS,
    };
    shipments.push(shipment);
    dcTimeline.add(loadedAt, () => {
      for (const product of needs) {
        const target = volume.store_initial_inventory_max;
        const wanted = Math.max(0, target - storeBalance[product.id]!);
        const available = dcBalance[product.id]!;
        const quantity = Math.min(wanted, available);
        if (quantity <= 0) {
          if (wanted > 0 && !dcStockouts.has(product.id)) {
            dcStockouts.add(product.id);
            out.fact_dc_inventory_txn.add(loadedAt, dcId, product.id, 0, 'STOCKOUT', shipment.id, available);
          }
          continue;
        }
        dcMove(loadedAt, product.id, -quantity, 'OUTBOUND_SHIPMENT', shipment.id);
        shipment.lines.push({ productId: product.id, quantity });
      }
    });
  });

  // --- Online orders placed in this region (fulfilled from the DC or a region store) -------------------
  interface OnlineLine {
    product: ProductInfo;
    quantity: number;
    mode: 'SHIP_FROM_DC' | 'SHIP_FROM_STORE' | 'BOPIS';
    nodeStore: StoreRow | null;
    promo: string | null;
    percent: number;
  }
  interface OnlineOrder {
    id: string;
    customerId: number;
    createdAt: number;
    lines: OnlineLine[];
    pickedAt: number;
    taxBasisPoints: number;
    tender: string;
    cancelled: boolean;
  }
  const onlineRandom = deriveStream(seed, 'online', day, dcId);
  const regionShare = context.customerCount > 0 ? region.customers.length / context.customerCount : 0;
  const onlineMean = volume.online_orders_per_day * regionShare * Math.min(2.5, Math.max(0.5, seasonMultiplier(date) * holidayMultiplier(date)));
  const onlineCount = region.customers.length > 0 && assortment.all.length > 0 ? onlineRandom.poisson(onlineMean) : 0;
  const orders: OnlineOrder[] = [];
  for (let n = 0; n < onlineCount; n++) {
    const createdAt = dayStart + onlineRandom.int(0, 86_399) * 1000;
    const customerId = region.customers[onlineRandom.int(0, region.customers.length - 1)]!;
    const wanted = basket(onlineRandom, segmentOf(seed, customerId), 'standard', assortment, boost);
    const size = weighted(onlineRandom, { small: 0.6, medium: 0.3, large: 0.1 });
    const keep = size === 'small' ? onlineRandom.int(1, 3) : size === 'medium' ? onlineRandom.int(2, 5) : onlineRandom.int(5, 8);
    const chosen = onlineRandom.shuffle(wanted).slice(0, Math.max(1, keep));
    const lines: OnlineLine[] = chosen.map((line) => {
      const mode = region.stores.length === 0 ? 'SHIP_FROM_DC' : weighted(onlineRandom, { SHIP_FROM_DC: 0.6, SHIP_FROM_STORE: 0.3, BOPIS: 0.1 });
      const promoted = onlineRandom.chance(0.2);
      const percent = promoted ? Number(weighted(onlineRandom, { '5': 0.5, '10': 0.35, '20': 0.15 })) : 0;
      return {
        product: line.product,
        quantity: line.quantity > 3 ? onlineRandom.int(1, 3) : line.quantity,
        mode,
        nodeStore: mode === 'SHIP_FROM_DC' ? null : onlineRandom.pick(region.stores),
        promo: promoted ? `PROMO${percent}` : null,
        percent,
      };
    });
    const taxStore = lines.find((l) => l.nodeStore)?.nodeStore ?? region.stores[0];
    orders.push({
      id: `ONL${dateCode}${dcLabel}${pad(n + 1, 5)}`,
      customerId,
      createdAt,
      lines,
      pickedAt: Math.min(dayStart + 86_399_000, createdAt + onlineRandom.int(30, 240) * MINUTE_MS),
      taxBasisPoints: Math.round((taxStore?.taxRate ?? 0.07407) * 10_000),
      tender: weighted(onlineRandom, { CREDIT_CARD: 0.6, DEBIT_CARD: 0.25, PAYPAL: 0.1, OTHER: 0.05 }),
      cancelled: onlineRandom.chance(0.02),
    });
  }
  /** Picks one line from its node at pick time; false when the node is out of stock (backorder). */
  const picked = new Map<OnlineLine, boolean>();
  const pickFrom = (line: OnlineLine, order: OnlineOrder, storeMove: ((at: number, productId: number, delta: number, type: string, source: string) => number) | null) => {
    const balance = line.nodeStore ? balances.stores.get(line.nodeStore.id)! : dcBalance;
    if (balance[line.product.id]! < line.quantity) {
      picked.set(line, false);
      return;
    }
    picked.set(line, true);
    if (line.nodeStore && storeMove) storeMove(order.pickedAt, line.product.id, -line.quantity, 'ONLINE_SALE', order.id);
    else dcMove(order.pickedAt, line.product.id, -line.quantity, 'ONLINE_SALE', order.id);
  };
  for (const order of orders) {
    if (order.cancelled) continue;
    for (const line of order.lines) if (!line.nodeStore) dcTimeline.add(order.pickedAt, () => pickFrom(line, order, null));
  }
  dcTimeline.drain();

  // --- Trucks --------------------------------------------------------------------------------------------
  for (const shipment of shipments) {
    if (shipment.lines.length === 0) continue;
    const units = shipment.lines.reduce((sum, l) => sum + l.quantity, 0);
    const eta = shipment.arriveAt;
    const etd = shipment.unloadedAt;
    const move = (at: number, status: string) =>
      out.fact_truck_moves.add(at, shipment.truckId, dcId, shipment.store.id, shipment.id, status, eta, etd, shipment.lines.length, units);
    move(dayStart + 3 * HOUR_MS, 'SCHEDULED');
    move(shipment.loadedAt, 'LOADING');
    move(shipment.departAt, 'IN_TRANSIT');
    move(shipment.arriveAt, 'ARRIVED');
    move(shipment.arriveAt + 5 * MINUTE_MS, 'UNLOADING');
    move(shipment.unloadedAt, 'COMPLETED');
  }

  // --- Stores -------------------------------------------------------------------------------------------
  for (const store of region.stores) {
    const random = deriveStream(seed, 'store-day', day, store.id);
    const balance = balances.stores.get(store.id)!;
    const timeline = new Timeline();
    const storeLabel = pad(store.id, 4);
    const taxBasisPoints = Math.round(store.taxRate * 10_000);
    const stockedOut = new Set<number>();
    const storeMove = (at: number, productId: number, delta: number, type: string, source: string): number => {
      balance[productId]! += delta;
      out.fact_store_inventory_txn.add(at, store.id, productId, delta, type, source, balance[productId]!);
      return balance[productId]!;
    };

    for (const shipment of shipments) {
      if (shipment.store.id !== store.id || shipment.lines.length === 0) continue;
      timeline.add(shipment.unloadedAt, () => {
        for (const line of shipment.lines) storeMove(shipment.unloadedAt, line.productId, line.quantity, 'INBOUND_SHIPMENT', shipment.id);
      });
    }
    for (const order of orders) {
      if (order.cancelled) continue;
      for (const line of order.lines) if (line.nodeStore?.id === store.id) timeline.add(order.pickedAt, () => pickFrom(line, order, storeMove));
    }

    const geography = context.customersByGeography.get(store.geographyId);
    const drawCustomer = () => {
      if (geography && geography.count > 0 && random.chance(0.7)) return geography.first + random.int(0, geography.count - 1);
      if (region.customers.length > 0) return region.customers[random.int(0, region.customers.length - 1)]!;
      return random.int(1, Math.max(1, context.customerCount));
    };

    const daily = dayMultiplier(date, weatherOf(seed, day, store.geographyId).factor);
    const [open, close] = openingHours(store.hours);
    let receiptSequence = 0;
    let returnSequence = 0;
    const zoneShares = ZONES_BY_FORMAT[store.format];
    const bleFactor = BLE_FORMAT[store.format] * Math.min(1.8, Math.max(0.6, store.trafficMultiplier));

    for (let hour = open; hour < close; hour++) {
      const multiplier = daily * hourMultiplier(date, hour, store.hours);
      if (multiplier <= 0) continue;
      const visits = random.poisson((volume.customers_per_day / 24) * multiplier * store.trafficMultiplier);
      const hourStart = dayStart + hour * HOUR_MS;
      // Foot traffic counts everyone through the door: buyers, and the browsers who leave empty-handed.
      const total = Math.max(visits + 1, Math.floor(visits / conversionRate(hour, weekend)));
      zoneShares.forEach((share, z) => {
        const base = Math.floor(total * share);
        const [low, high] = DWELL[z]!;
        out.fact_foot_traffic.add(hourStart, store.id, `SENSOR_${pad(store.id, 3)}_${FOOT_ZONES[z]}`, FOOT_ZONES[z]!, random.int(low, high), z === 0 ? Math.max(base, visits) : base);
      });
      for (let v = 0; v < visits; v++) {
        const checkoutAt = hourStart + random.int(6 * 60, 3599) * 1000;
        const customerId = drawCustomer();
        const segment = segmentOf(seed, customerId);
        const wanted = basket(random, segment, store.format, assortment, boost);
        const receiptId = `RCP${dateCode}${storeLabel}${pad(++receiptSequence, 6)}`;
        const known = random.chance(0.3);
        const bleId = known ? bleIdOf(customerId) : `ANON-${store.id}-${random.int(100000, 999999)}`;
        // BLE pings between entering and checkout (2–4 zones, a few pings each).
        const enteredAt = checkoutAt - random.int(5, 35) * MINUTE_MS;
        const zones = random.shuffle([0, 1, 2, 3, 4]).slice(0, random.int(2, 4));
        for (const z of zones) {
          const pings = Math.max(1, Math.round(random.int(2, 5) * bleFactor));
          for (let p = 0; p < pings; p++) {
            const at = enteredAt + Math.floor(random.next() * (checkoutAt - enteredAt));
            out.fact_ble_pings.add(at, store.id, `BEACON_${pad(store.id, 3)}_${BLE_ZONES[z]}`, bleId, random.int(-80, -30), BLE_ZONES[z]!, known ? customerId : null);
          }
        }
        const tender = weighted(random, TENDERS);
        const promoRandom = deriveStream(seed, 'promo', day, store.id, receiptSequence);
        const returnDraw = random.next();
        timeline.add(checkoutAt, () => checkout(checkoutAt, receiptId, customerId, segment, wanted, tender, promoRandom, returnDraw));
      }
    }

    const checkout = (at: number, receiptId: string, customerId: number, segment: ReturnType<typeof segmentOf>, wanted: WantedLine[], tender: string, promoRandom: RandomStream, returnDraw: number) => {
      const lines: { product: ProductInfo; quantity: number; unitCents: number }[] = [];
      for (const line of wanted) {
        const onHand = balance[line.product.id]!;
        if (onHand <= 0) {
          if (!stockedOut.has(line.product.id)) {
            stockedOut.add(line.product.id);
            out.fact_store_inventory_txn.add(at, store.id, line.product.id, 0, 'STOCKOUT', receiptId, onHand);
          }
          continue;
        }
        lines.push({ product: line.product, quantity: Math.min(line.quantity, onHand), unitCents: line.product.saleCents });
      }
      if (lines.length === 0) return; // everything wanted was out of stock: the customer leaves without buying
      const discounts = promotionsFor(promoRandom, segment, month, lines);
      let subtotal = 0;
      let discount = 0;
      let tax = 0;
      let items = 0;
      const taxes: number[] = [];
      lines.forEach((line, i) => {
        const ext = line.unitCents * line.quantity;
        const lineTax = lineTaxCents(ext - discounts[i]!.discountCents, taxBasisPoints, line.product.taxMultiplierPercent);
        taxes.push(lineTax);
        subtotal += ext;
        discount += discounts[i]!.discountCents;
        tax += lineTax;
        items += line.quantity;
      });
      const total = subtotal - discount + tax;
      const eventTs = at;
      out.fact_receipts.add(eventTs, store.id, customerId, receiptId, 'SALE', cents(subtotal), cents(discount), cents(tax), cents(total), subtotal, discount, tax, total, tender, items, null, `TRC${receiptId.slice(3)}`);
      lines.forEach((line, i) => {
        const ext = line.unitCents * line.quantity;
        out.fact_receipt_lines.add(eventTs, receiptId, i + 1, line.product.id, line.quantity, cents(line.unitCents), cents(ext), line.unitCents, ext, discounts[i]!.discountCents, taxes[i]!, discounts[i]!.code);
        storeMove(at, line.product.id, -line.quantity, 'SALE', receiptId);
      });
      // About 1% of purchases come back later the same day (6% around Boxing Day).
      const returnRate = date.getUTCMonth() === 11 && date.getUTCDate() === 26 ? 0.06 : 0.01;
      const returnAt = at + Math.floor(returnDraw * 1000) * 7 * MINUTE_MS;
      if (returnDraw < returnRate && returnAt < dayStart + close * HOUR_MS) {
        timeline.add(returnAt, () => {
          const returnId = `RET${dateCode}${storeLabel}${pad(++returnSequence, 6)}`;
          const ts = returnAt;
          const negative = (value: number) => (value === 0 ? 0 : -value);
          out.fact_receipts.add(ts, store.id, customerId, returnId, 'RETURN', cents(negative(subtotal)), cents(negative(discount)), cents(negative(tax)), cents(negative(total)), negative(subtotal), negative(discount), negative(tax), negative(total), tender, items, receiptId, `TRC${returnId.slice(3)}`);
          lines.forEach((line, i) => {
            const ext = line.unitCents * line.quantity;
            out.fact_receipt_lines.add(ts, returnId, i + 1, line.product.id, -line.quantity, cents(line.unitCents), cents(negative(ext)), line.unitCents, negative(ext), negative(discounts[i]!.discountCents), negative(taxes[i]!), discounts[i]!.code ?? 'RETURN');
            storeMove(returnAt, line.product.id, line.quantity, 'RETURN', returnId);
            // Food is never resold; other goods are restocked, sent back to the vendor or written off.
            const disposition = line.product.food ? 'DAMAGED' : weighted(promoRandom, { RESTOCK: 0.6, RTV: 0.3, DAMAGED: 0.1 });
            if (disposition === 'DAMAGED') storeMove(returnAt, line.product.id, -line.quantity, 'DAMAGED', 'RETURN_DESTROY');
            else if (disposition === 'RTV') storeMove(returnAt, line.product.id, -line.quantity, 'OUTBOUND_SHIPMENT', 'RTV');
          });
        });
      }
    };

    // Cycle counts at the end of the day on about one store in ten: small corrections, never below zero.
    if (random.chance(0.1) && assortment.all.length > 0) {
      const at = dayStart + 86_399_000;
      const count = random.int(1, 3);
      const corrections = Array.from({ length: count }, () => ({ product: random.pick(assortment.all), delta: random.chance(0.5) ? random.int(1, 5) : -random.int(1, 5) }));
      timeline.add(at, () => {
        for (const { product, delta } of corrections) {
          const applied = Math.max(delta, -balance[product.id]!);
          if (applied !== 0) storeMove(at, product.id, applied, 'ADJUSTMENT', 'CYCLE_COUNT');
        }
      });
    }
    timeline.drain();
  }

  // --- Online order rows (after every pick is known) ----------------------------------------------------
  for (const order of orders) {
    let subtotal = 0;
    let discount = 0;
    let tax = 0;
    let items = 0;
    let latestDelivery = 0;
    let allDelivered = true;
    const createdTs = order.createdAt;
    order.lines.forEach((line, i) => {
      const unit = line.product.saleCents;
      const ext = order.cancelled ? 0 : unit * line.quantity;
      const lineDiscount = order.cancelled ? 0 : Math.round((ext * line.percent) / 100);
      const lineTax = order.cancelled ? 0 : lineTaxCents(ext - lineDiscount, order.taxBasisPoints, line.product.taxMultiplierPercent);
      subtotal += ext;
      discount += lineDiscount;
      tax += lineTax;
      items += line.quantity;
      let status: string;
      let pickedTs: number | null = null;
      let shippedTs: number | null = null;
      let deliveredTs: number | null = null;
      const lineRandom = deriveStream(seed, 'online-line', order.id, i);
      if (order.cancelled) {
        status = 'CANCELLED';
        allDelivered = false;
      } else if (!picked.get(line)) {
        status = 'BACKORDERED';
        allDelivered = false;
      } else {
        pickedTs = order.pickedAt;
        if (line.mode === 'BOPIS') {
          deliveredTs = order.pickedAt + lineRandom.int(2, 24) * HOUR_MS;
        } else {
          shippedTs = order.pickedAt + lineRandom.int(2, 30) * HOUR_MS;
          deliveredTs = shippedTs + lineRandom.int(1, line.mode === 'SHIP_FROM_DC' ? 4 : 2) * 24 * HOUR_MS;
        }
        status = 'DELIVERED';
        latestDelivery = Math.max(latestDelivery, deliveredTs);
      }
      out.fact_online_order_lines.add(createdTs, order.id, line.product.id, i + 1, line.quantity, cents(unit), cents(ext), unit, ext, lineDiscount, lineTax, line.promo, pickedTs, shippedTs, deliveredTs, status, line.mode, line.nodeStore ? 'STORE' : 'DC', line.nodeStore ? line.nodeStore.id : dcId);
    });
    const total = subtotal - discount + tax;
    const status = order.cancelled ? 'CANCELLED' : allDelivered ? 'COMPLETE' : 'OPEN';
    out.fact_online_order_headers.add(createdTs, order.id, order.customerId, cents(subtotal), cents(discount), cents(tax), cents(total), subtotal, discount, tax, total, order.tender, items, status, allDelivered && latestDelivery ? latestDelivery : null);
  }

  return { tables: out, balances };
}
