/** Streaming dependencies on real Azurite tables (fresh, randomly named) for integration tests. */
import { TableClient } from '@azure/data-tables';
import { JsonEntityStore } from '../../src/adapters/json-entity.js';
import { TableDeadLetterQueue } from '../../src/adapters/table-dead-letters.js';
import { TableOutbox } from '../../src/adapters/table-outbox.js';
import type { GenerationStateStore } from '../../src/core/generation/state.js';
import type { DatasetFiles } from '../../src/core/storage/files.js';
import type { CircuitBreakerState } from '../../src/core/streaming/breaker.js';
import type { StreamingDeps } from '../../src/core/streaming/control.js';
import { stoppedState, type StreamState, type StreamStatistics } from '../../src/core/streaming/types.js';

export async function freshTable(connectionString: string, name: string): Promise<TableClient> {
  const client = TableClient.fromConnectionString(connectionString, `${name}${Math.random().toString(36).slice(2, 10)}`, { allowInsecureConnection: true });
  await client.createTable();
  return client;
}

export class MemoryFiles implements DatasetFiles {
  readonly files = new Map<string, Uint8Array>();
  async write(path: string, bytes: Uint8Array) {
    this.files.set(path, bytes);
  }
  async read(path: string) {
    return this.files.get(path);
  }
  async open() {
    return undefined;
  }
  async list(prefix: string) {
    return [...this.files].filter(([path]) => path.startsWith(prefix)).map(([path, bytes]) => ({ path, bytes: bytes.byteLength }));
  }
  async deletePrefix(prefix: string) {
    const gone = [...this.files.keys()].filter((path) => path.startsWith(prefix));
    for (const path of gone) this.files.delete(path);
    return gone.length;
  }
}

/** Deps with a running stream state; the generation store is unused by the drain. */
export async function streamingTestDeps(
  connectionString: string,
  state: Partial<StreamState>,
  outbox?: TableOutbox,
): Promise<StreamingDeps & { outbox: TableOutbox; tables: { stream: TableClient; outbox: TableClient; deadLetters: TableClient } }> {
  const docs = await freshTable(connectionString, 'stream');
  const outboxTable = await freshTable(connectionString, 'outbox');
  const deadLetters = await freshTable(connectionString, 'dlq');
  const files = new MemoryFiles();
  const stateStore = new JsonEntityStore<StreamState>(async () => docs, 'stream');
  await stateStore.write('state', { ...stoppedState(), status: 'running', emit_interval_ms: 50, burst: 100, ...state }, undefined);
  return {
    state: stateStore,
    statistics: new JsonEntityStore<StreamStatistics>(async () => docs, 'stream'),
    breakerState: new JsonEntityStore<CircuitBreakerState>(async () => docs, 'stream'),
    deadLetters: new TableDeadLetterQueue(async () => deadLetters, files),
    outbox: outbox ?? new TableOutbox(async () => outboxTable),
    files,
    generation: {} as GenerationStateStore,
    tables: { stream: docs, outbox: outboxTable, deadLetters },
  };
}
