/**
 * A streaming set-up on in-memory doubles (documents, outbox, files) with a generation queue the test runs by
 * hand: what the drain and the day units need, at a small business size, with history "generated" through the
 * day before the streamed one (its closing inventory positions written, as history writes them).
 */
import { appConfigSchema, type AppConfig } from '../../src/core/config/schema.js';
import { addDays } from '../../src/core/facts/calendar.js';
import { balancesPath, encodeBalances, openingBalances } from '../../src/core/facts/inventory.js';
import { masterFingerprint } from '../../src/core/generation/master-job.js';
import { GenerationStateStore, type GenerationState } from '../../src/core/generation/state.js';
import type { StreamingDeps } from '../../src/core/streaming/control.js';
import { runStreamUnit, streamContext, streamUnitMessageSchema, type StreamUnitMessage, type UnitOutcome } from '../../src/core/streaming/day-units.js';
import type { DeadLetterQueue } from '../../src/core/streaming/dead-letter.js';
import { MemoryDocuments } from './memory-documents.js';
import { MemoryOutbox } from './memory-outbox.js';
import { MemoryFiles } from './streaming-deps.js';

export const SMALL_CONFIG: AppConfig = appConfigSchema.parse({
  volume: {
    stores: 6,
    dcs: 2,
    total_geographies: 8,
    total_customers: 1500,
    total_products: 200,
    customers_per_day: 60,
    online_orders_per_day: 40,
    marketing_impressions_per_day: 300,
  },
});

const noDeadLetters: DeadLetterQueue = {
  add: async () => 0,
  list: async () => ({ events: [], count: 0 }),
  summary: async () => ({ total: 0, by_error_type: {}, by_event_type: {} }),
  take: async () => [],
  peek: async () => [],
  remove: async () => undefined,
  clear: async () => 0,
};

export interface UnitStreaming {
  deps: StreamingDeps & { outbox: MemoryOutbox; files: MemoryFiles };
  /** Messages sent to the generation queue and not yet run. */
  queue: StreamUnitMessage[];
  /** Runs queued units (all, or the first `count`), in queue order; returns their outcomes. */
  runUnits(count?: number): Promise<UnitOutcome[]>;
}

export async function unitStreaming(historyEnd: string, config: AppConfig = SMALL_CONFIG): Promise<UnitStreaming> {
  const queue: StreamUnitMessage[] = [];
  const files = new MemoryFiles();
  const context = streamContext(config);
  for (const region of context.regions) {
    const opening = openingBalances(config.seed, config.volume, region, context.products.length);
    await files.write(balancesPath('history', region.dcId, historyEnd), encodeBalances(opening));
  }
  const generationDocs = new MemoryDocuments<GenerationState>();
  const generation = new GenerationStateStore(generationDocs);
  await generation.update((s) => {
    s.master = { generated_at: '', operation_id: 'm', seed: config.seed, config_fingerprint: masterFingerprint(config), tables: {} };
    s.facts = { start_date: addDays(historyEnd, -1), end_date: historyEnd, last_run: '', tables: {} };
  });
  const deps = {
    state: new MemoryDocuments(),
    statistics: new MemoryDocuments(),
    breakerState: new MemoryDocuments(),
    lease: new MemoryDocuments(),
    deadLetters: noDeadLetters,
    outbox: new MemoryOutbox(),
    files,
    generation,
    enqueue: async (message: unknown) => {
      queue.push(streamUnitMessageSchema.parse(message));
    },
  } as UnitStreaming['deps'];
  return {
    deps,
    queue,
    runUnits: async (count = Number.POSITIVE_INFINITY) => {
      const outcomes: UnitOutcome[] = [];
      for (let i = 0; i < count && queue.length > 0; i++) outcomes.push(await runStreamUnit(deps, config, queue.shift()!));
      return outcomes;
    },
  };
}
