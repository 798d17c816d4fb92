/**
 * One store's day within its region-day: shipments unloaded, online lines picked from the shelf, visits
 * hour by hour (foot traffic, BLE pings, checkout with promotions, the odd return later that day) and the
 * evening cycle count, all applied to the store's balances in time order.
 */
import { deriveStream, weighted, type RandomStream } from '../rng.js';
import type { StoreRow } from '../dimensions/places.js';
import type { Conversion } from './attribution.js';
import { cents, lineTaxCents } from './builder.js';
import { dayMultiplier, hourMultiplier, openingHours, weatherOf } from './calendar.js';
import { bleIdOf, type ProductInfo } from './context.js';
import { pickOnlineLine } from './online-orders.js';
import { shelfGaps } from './inventory.js';
import { HOUR_MS, MINUTE_MS, pad, type InventoryMove, type RegionDayState } from './region-state.js';
import { basket, promotionsFor, returnRateOf, segmentOf, TENDERS, type Segment, type WantedLine } from './shopping.js';
import { BLE_FORMAT, BLE_ZONES, conversionRate, DWELL, FOOT_ZONES, ZONES_BY_FORMAT } from './store-formats.js';
import { Timeline } from './timeline.js';

/** Who is shopping, in which session, and the impression that brought them in (if one did). */
interface Visit {
  customerId: number;
  sessionId: string;
  campaignId: string | null;
  impressionId: string | null;
}

export function runStoreDay(state: RegionDayState, store: StoreRow): void {
  const { context, region, day, date, dayStart, dateCode, month, weekend, out, assortment, boost } = state;
  const { seed } = context;
  const volume = context.config.volume;
  const random = deriveStream(seed, 'store-day', day, store.id);
  const balance = state.balances.stores.get(store.id)!;
  const timeline = new Timeline();
  const storeLabel = pad(store.id, 4);
  const taxBasisPoints = Math.round(store.taxRate * 10_000);
  const stockedOut = new Set<number>();
  const gaps = shelfGaps(seed, day, store.id, context.products.length);
  const storeMove: InventoryMove = (at, productId, delta, type, source) => {
    balance[productId]! += delta;
    out.fact_store_inventory_txn.add(at, store.id, productId, delta, type, source, balance[productId]!, null, null);
    return balance[productId]!;
  };

  for (const shipment of state.shipments) {
    if (shipment.store.id !== store.id) continue;
    // The store's own reorders, raised overnight before anything sells: a REORDER row (no stock moves).
    timeline.add(dayStart, () => {
      for (const r of shipment.reorders)
        out.fact_store_inventory_txn.add(dayStart, store.id, r.productId, 0, 'REORDER', shipment.id, balance[r.productId]!, r.point, r.quantity);
    });
    if (shipment.lines.length === 0) continue;
    timeline.add(shipment.unloadedAt, () => {
      for (const line of shipment.lines) storeMove(shipment.unloadedAt, line.productId, line.quantity, 'INBOUND_SHIPMENT', shipment.id);
    });
  }
  for (const order of state.orders) {
    if (order.cancelled) continue;
    for (const line of order.lines) if (line.nodeStore?.id === store.id) timeline.add(order.pickedAt, () => pickOnlineLine(state, line, order, storeMove));
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
  // The store's sensor and beacon ids, made once (they name every foot-traffic row and ping).
  const sensorIds = FOOT_ZONES.map((zone) => `SENSOR_${pad(store.id, 3)}_${zone}`);
  const beaconIds = BLE_ZONES.map((zone) => `BEACON_${pad(store.id, 3)}_${zone}`);
  const bleFactor = BLE_FORMAT[store.format] * Math.min(1.8, Math.max(0.6, store.trafficMultiplier));

  const checkout = (
    at: number,
    receiptId: string,
    visit: Visit,
    segment: Segment,
    wanted: WantedLine[],
    tender: string,
    promoRandom: RandomStream,
    returnDraw: number,
  ) => {
    const { customerId } = visit;
    const lines: { product: ProductInfo; quantity: number; unitCents: number }[] = [];
    for (const line of wanted) {
      const onHand = balance[line.product.id]!;
      if (onHand <= 0 || gaps[line.product.id] === 1) {
        if (!stockedOut.has(line.product.id)) {
          stockedOut.add(line.product.id);
          out.fact_store_inventory_txn.add(at, store.id, line.product.id, 0, 'STOCKOUT', receiptId, onHand, null, null);
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
    out.fact_receipts.add(
      eventTs,
      store.id,
      customerId,
      receiptId,
      'SALE',
      cents(subtotal),
      cents(discount),
      cents(tax),
      cents(total),
      subtotal,
      discount,
      tax,
      total,
      tender,
      items,
      null,
      `TRC${receiptId.slice(3)}`,
      visit.sessionId,
      visit.campaignId,
      visit.impressionId,
    );
    lines.forEach((line, i) => {
      const ext = line.unitCents * line.quantity;
      out.fact_receipt_lines.add(
        eventTs,
        receiptId,
        i + 1,
        line.product.id,
        line.quantity,
        cents(line.unitCents),
        cents(ext),
        line.unitCents,
        ext,
        discounts[i]!.discountCents,
        taxes[i]!,
        discounts[i]!.code,
      );
      storeMove(at, line.product.id, -line.quantity, 'SALE', receiptId);
    });
    // Some purchases come back later the same day, by what is in the basket (returnRateOf): 20 minutes to
    // 5 hours 20 after checkout, spread by where the draw falls below the rate (returns after closing are lost).
    const returnRate = returnRateOf(lines, date.getUTCMonth() === 11 && date.getUTCDate() === 26);
    const returnAt = at + (20 + Math.floor((returnDraw / Math.max(returnRate, 1e-9)) * 300)) * MINUTE_MS;
    if (returnDraw < returnRate && returnAt < dayStart + close * HOUR_MS) {
      timeline.add(returnAt, () => {
        const returnId = `RET${dateCode}${storeLabel}${pad(++returnSequence, 6)}`;
        const ts = returnAt;
        const negative = (value: number) => (value === 0 ? 0 : -value);
        // A return is a visit of its own (to the service desk), credited to no campaign.
        out.fact_receipts.add(
          ts,
          store.id,
          customerId,
          returnId,
          'RETURN',
          cents(negative(subtotal)),
          cents(negative(discount)),
          cents(negative(tax)),
          cents(negative(total)),
          negative(subtotal),
          negative(discount),
          negative(tax),
          negative(total),
          tender,
          items,
          receiptId,
          `TRC${returnId.slice(3)}`,
          `VRT${returnId.slice(3)}`,
          null,
          null,
        );
        lines.forEach((line, i) => {
          const ext = line.unitCents * line.quantity;
          out.fact_receipt_lines.add(
            ts,
            returnId,
            i + 1,
            line.product.id,
            -line.quantity,
            cents(line.unitCents),
            cents(negative(ext)),
            line.unitCents,
            negative(ext),
            negative(discounts[i]!.discountCents),
            negative(taxes[i]!),
            discounts[i]!.code ?? 'RETURN',
          );
          storeMove(returnAt, line.product.id, line.quantity, 'RETURN', returnId);
          // Food is never resold; other goods are restocked, sent back to the vendor or written off.
          const disposition = line.product.food ? 'DAMAGED' : weighted(promoRandom, { RESTOCK: 0.6, RTV: 0.3, DAMAGED: 0.1 });
          if (disposition === 'DAMAGED') storeMove(returnAt, line.product.id, -line.quantity, 'DAMAGED', 'RETURN_DESTROY');
          else if (disposition === 'RTV') storeMove(returnAt, line.product.id, -line.quantity, 'OUTBOUND_SHIPMENT', 'RTV');
        });
      });
    }
  };

  // Visits that ad impressions bring in, by the hour they walk in; none while the store is closed.
  const attributed = new Map<number, Conversion[]>();
  for (const conversion of state.conversions.byStore.get(store.id) ?? []) {
    const hour = Math.floor((conversion.at - dayStart) / HOUR_MS);
    const list = attributed.get(hour) ?? [];
    list.push(conversion);
    attributed.set(hour, list);
  }
  const closesAt = dayStart + close * HOUR_MS;

  for (let hour = open; hour < close; hour++) {
    const multiplier = daily * hourMultiplier(date, hour, store.hours);
    if (multiplier <= 0) continue;
    const brought = attributed.get(hour) ?? [];
    const ordinary = random.poisson((volume.customers_per_day / 24) * multiplier * store.trafficMultiplier);
    const visits = ordinary + brought.length;
    const hourStart = dayStart + hour * HOUR_MS;
    // Foot traffic counts everyone through the door in the hour they enter: buyers, and the browsers who
    // leave empty-handed.
    const total = Math.max(visits + 1, Math.floor(visits / conversionRate(hour, weekend)));
    zoneShares.forEach((share, z) => {
      const base = Math.floor(total * share);
      const [low, high] = DWELL[z]!;
      out.fact_foot_traffic.add(hourStart, store.id, sensorIds[z]!, FOOT_ZONES[z]!, random.int(low, high), z === 0 ? Math.max(base, visits) : base);
    });
    for (let v = 0; v < visits; v++) {
      const conversion = v >= ordinary ? brought[v - ordinary]! : null;
      const enteredAt = conversion ? conversion.at : hourStart + random.int(0, 3599) * 1000;
      // A visit takes 5 to 35 minutes; the last customers are checked out at closing time.
      const checkoutAt = Math.min(enteredAt + random.int(5, 35) * MINUTE_MS, closesAt - 1000);
      const customerId = conversion ? conversion.customerId : drawCustomer();
      const segment = segmentOf(seed, customerId);
      const wanted = basket(random, segment, store.format, assortment, boost);
      const sequence = pad(++receiptSequence, 6);
      const receiptId = `RCP${dateCode}${storeLabel}${sequence}`;
      const visit: Visit = {
        customerId,
        sessionId: `VIS${dateCode}${storeLabel}${sequence}`,
        campaignId: conversion?.campaignId ?? null,
        impressionId: conversion?.impressionId ?? null,
      };
      const known = random.chance(0.3);
      const bleId = known ? bleIdOf(customerId) : `ANON-${store.id}-${random.int(100000, 999999)}`;
      const beacon = (z: number, at: number) =>
        out.fact_ble_pings.add(at, store.id, beaconIds[z]!, bleId, random.int(-80, -30), BLE_ZONES[z]!, known ? customerId : null, visit.sessionId);
      // The entrance beacon sees the shopper walk in; then 1–3 more zones, a few pings each, until checkout.
      beacon(0, enteredAt);
      const zones = random.shuffle([1, 2, 3, 4]).slice(0, random.int(1, 3));
      for (const z of zones) {
        const pings = Math.max(1, Math.round(random.int(2, 5) * bleFactor));
        for (let p = 0; p < pings; p++) beacon(z, enteredAt + Math.floor(random.next() * (checkoutAt - enteredAt)));
      }
      const tender = weighted(random, TENDERS);
      const promoRandom = deriveStream(seed, 'promo', day, store.id, receiptSequence);
      const returnDraw = random.next();
      timeline.add(checkoutAt, () => checkout(checkoutAt, receiptId, visit, segment, wanted, tender, promoRandom, returnDraw));
    }
  }

  // Cycle counts at the end of the day on about one store in ten: small corrections, never below zero.
  if (random.chance(0.1) && assortment.all.length > 0) {
    const at = dayStart + 86_399_000;
    const count = random.int(1, 3);
    const corrections = Array.from({ length: count }, () => ({
      product: random.pick(assortment.all),
      delta: random.chance(0.5) ? random.int(1, 5) : -random.int(1, 5),
    }));
    timeline.add(at, () => {
      for (const { product, delta } of corrections) {
        const applied = Math.max(delta, -balance[product.id]!);
        if (applied !== 0) storeMove(at, product.id, applied, 'ADJUSTMENT', 'CYCLE_COUNT');
      }
    });
  }
  timeline.drain();
}
