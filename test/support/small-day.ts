/** One small simulated day of real events (every event type), from the app's own generators, for clock and lateness tests. */
import { appConfigSchema } from '../../src/core/config/schema.js';
import { collectDayEvents, collectStoreHours, EventCollector, type TimedEvent } from '../../src/core/events/factory.js';
import type { EventType } from '../../src/core/events/schemas.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateMarketingDay } from '../../src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';

export const smallConfig = appConfigSchema.parse({
  seed: 3,
  volume: {
    stores: 6,
    dcs: 2,
    total_geographies: 6,
    total_customers: 2000,
    total_products: 300,
    customers_per_day: 90,
    online_orders_per_day: 40,
    marketing_impressions_per_day: 300,
    store_initial_inventory_min: 2,
    store_initial_inventory_max: 12,
  },
});

/** The day's events in time order (only the `allowed` types, when given), as a stream's units make them. */
export function smallDay(day: string, allowed: ReadonlySet<EventType> | null = null): TimedEvent[] {
  const config = smallConfig;
  const context = buildFactContext(config);
  const collector = new EventCollector(allowed);
  for (const region of context.regions) {
    const result = generateRegionDay(context, region, day, openingBalances(config.seed, config.volume, region, context.products.length));
    collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])));
  }
  collectDayEvents(collector, { fact_marketing: generateMarketingDay(config.seed, day, 300, 2000).build() });
  collectStoreHours(collector, context, day);
  return collector.sorted();
}
