/**
 * Online orders placed in a region: planned at the start of the region-day, picked in time order from the
 * DC or a region store (a line the node cannot fill is backordered), and written as header and line rows
 * once every pick is known.
 */
import { deriveStream, weighted } from '../rng.js';
import type { StoreRow } from '../dimensions/places.js';
import { cents, lineTaxCents } from './builder.js';
import { holidayMultiplier, seasonMultiplier } from './calendar.js';
import type { ProductInfo } from './context.js';
import { HOUR_MS, MINUTE_MS, pad, type InventoryMove, type RegionDayState } from './region-state.js';
import { basket, segmentOf } from './shopping.js';

export interface OnlineLine {
  product: ProductInfo;
  quantity: number;
  mode: 'SHIP_FROM_DC' | 'SHIP_FROM_STORE' | 'BOPIS';
  nodeStore: StoreRow | null;
  promo: string | null;
  percent: number;
}

export interface OnlineOrder {
  id: string;
  /** The web session the order was placed in: the order, its payment, picks and shipments share it. */
  sessionId: string;
  customerId: number;
  /** The impression (and its campaign) that brought the customer to order, or null. */
  campaignId: string | null;
  impressionId: string | null;
  createdAt: number;
  lines: OnlineLine[];
  pickedAt: number;
  taxBasisPoints: number;
  tender: string;
  cancelled: boolean;
}

export function planOnlineOrders(state: RegionDayState): void {
  const { context, region, day, date, dayStart, dateCode, dcLabel, assortment, boost } = state;
  const { seed } = context;
  const volume = context.config.volume;
  const onlineRandom = deriveStream(seed, 'online', day, region.dcId);
  const regionShare = context.customerCount > 0 ? region.customers.length / context.customerCount : 0;
  const onlineMean = volume.online_orders_per_day * regionShare * Math.min(2.5, Math.max(0.5, seasonMultiplier(date) * holidayMultiplier(date)));
  const onlineCount = region.customers.length > 0 && assortment.all.length > 0 ? onlineRandom.poisson(onlineMean) : 0;
  // Ordinary orders first, then the ones ad impressions brought in (attribution.ts).
  const conversions = state.conversions.online;
  for (let n = 0; n < onlineCount + conversions.length; n++) {
    const conversion = n >= onlineCount ? conversions[n - onlineCount]! : null;
    const createdAt = conversion ? conversion.at : dayStart + onlineRandom.int(0, 86_399) * 1000;
    const customerId = conversion ? conversion.customerId : region.customers[onlineRandom.int(0, region.customers.length - 1)]!;
    const wanted = basket(onlineRandom, segmentOf(seed, customerId), 'standard', assortment, boost);
    const size = weighted(onlineRandom, { small: 0.6, medium: 0.3, large: 0.1 });
    const keep = size === 'small' ? onlineRandom.int(1, 3) : size === 'medium' ? onlineRandom.int(2, 5) : onlineRandom.int(5, 8);
    const chosen = onlineRandom.shuffle(wanted).slice(0, Math.max(1, keep));
    // One order, one fulfilment node: the DC ships it, or one store ships it or hands it over (BOPIS).
    const mode = region.stores.length === 0 ? 'SHIP_FROM_DC' : weighted(onlineRandom, { SHIP_FROM_DC: 0.6, SHIP_FROM_STORE: 0.3, BOPIS: 0.1 });
    const nodeStore = mode === 'SHIP_FROM_DC' ? null : onlineRandom.pick(region.stores);
    const lines: OnlineLine[] = chosen.map((line) => {
      const promoted = onlineRandom.chance(0.2);
      const percent = promoted ? Number(weighted(onlineRandom, { '5': 0.5, '10': 0.35, '20': 0.15 })) : 0;
      return {
        product: line.product,
        quantity: line.quantity > 3 ? onlineRandom.int(1, 3) : line.quantity,
        mode,
        nodeStore,
        promo: promoted ? `PROMO${percent}` : null,
        percent,
      };
    });
    const taxStore = nodeStore ?? region.stores[0];
    state.orders.push({
      id: `ONL${dateCode}${dcLabel}${pad(n + 1, 5)}`,
      sessionId: `WEB${dateCode}${dcLabel}${pad(n + 1, 5)}`,
      customerId,
      campaignId: conversion?.campaignId ?? null,
      impressionId: conversion?.impressionId ?? null,
      createdAt,
      lines,
      pickedAt: Math.min(dayStart + 86_399_000, createdAt + onlineRandom.int(30, 240) * MINUTE_MS),
      taxBasisPoints: Math.round((taxStore?.taxRate ?? 0.07407) * 10_000),
      tender: weighted(onlineRandom, { CREDIT_CARD: 0.6, DEBIT_CARD: 0.25, PAYPAL: 0.1, OTHER: 0.05 }),
      cancelled: onlineRandom.chance(0.02),
    });
  }
}

/** Picks one line from its node at pick time; a node without the stock backorders the line. */
export function pickOnlineLine(state: RegionDayState, line: OnlineLine, order: OnlineOrder, storeMove: InventoryMove | null): void {
  const balance = line.nodeStore ? state.balances.stores.get(line.nodeStore.id)! : state.balances.dc;
  if (balance[line.product.id]! < line.quantity) {
    state.picked.set(line, false);
    return;
  }
  state.picked.set(line, true);
  if (line.nodeStore && storeMove) storeMove(order.pickedAt, line.product.id, -line.quantity, 'ONLINE_SALE', order.id);
  else state.dcMove(order.pickedAt, line.product.id, -line.quantity, 'ONLINE_SALE', order.id);
}

/** Lines shipped from the DC are picked on the DC's timeline. */
export function scheduleDcPicks(state: RegionDayState): void {
  for (const order of state.orders) {
    if (order.cancelled) continue;
    for (const line of order.lines) if (!line.nodeStore) state.dcTimeline.add(order.pickedAt, () => pickOnlineLine(state, line, order, null));
  }
}

/** Header and line rows, after every pick of the day is known. */
export function writeOnlineOrderRows(state: RegionDayState): void {
  const { context, out, dcId } = state;
  for (const order of state.orders) {
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
      const lineRandom = deriveStream(context.seed, 'online-line', order.id, i);
      if (order.cancelled) {
        status = 'CANCELLED';
        allDelivered = false;
      } else if (!state.picked.get(line)) {
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
      out.fact_online_order_lines.add(
        createdTs,
        order.id,
        line.product.id,
        i + 1,
        line.quantity,
        cents(unit),
        cents(ext),
        unit,
        ext,
        lineDiscount,
        lineTax,
        line.promo,
        pickedTs,
        shippedTs,
        deliveredTs,
        status,
        line.mode,
        line.nodeStore ? 'STORE' : 'DC',
        line.nodeStore ? line.nodeStore.id : dcId,
      );
    });
    const total = subtotal - discount + tax;
    const status = order.cancelled ? 'CANCELLED' : allDelivered ? 'COMPLETE' : 'OPEN';
    const first = order.lines[0]!;
    out.fact_online_order_headers.add(
      createdTs,
      order.id,
      order.customerId,
      cents(subtotal),
      cents(discount),
      cents(tax),
      cents(total),
      subtotal,
      discount,
      tax,
      total,
      order.tender,
      items,
      status,
      allDelivered && latestDelivery ? latestDelivery : null,
      order.sessionId,
      order.campaignId,
      order.impressionId,
      first.mode,
      first.nodeStore ? 'STORE' : 'DC',
      first.nodeStore ? first.nodeStore.id : dcId,
    );
  }
}
