/** An in-memory DocumentStore with the same ETag contract as the Table one (src/adapters/json-entity.ts). */
import { ConcurrentUpdateError } from '../../src/core/errors.js';
import type { DocumentStore, Versioned } from '../../src/core/storage/documents.js';

export class MemoryDocuments<T> implements DocumentStore<T> {
  private readonly docs = new Map<string, Versioned<T>>();
  private version = 0;
  async read(key: string) {
    const doc = this.docs.get(key);
    return doc ? { value: structuredClone(doc.value), etag: doc.etag } : undefined;
  }
  async write(key: string, value: T, etag: string | undefined) {
    if (this.docs.get(key)?.etag !== etag) throw new ConcurrentUpdateError(key);
    this.docs.set(key, { value: structuredClone(value), etag: String(++this.version) });
  }
  /** Read-modify-write, retried when another update came in between (as the Table store does). */
  async update(key: string, mutate: (current: T | undefined) => T | undefined) {
    for (let attempt = 0; ; attempt++) {
      const current = await this.read(key);
      const next = mutate(current?.value);
      if (next === undefined) return current?.value;
      try {
        await this.write(key, next, current?.etag);
        return next;
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError) || attempt >= 10) throw error;
      }
    }
  }
  async delete(key: string) {
    this.docs.delete(key);
  }
  async list() {
    return [...this.docs.values()].map((d) => d.value);
  }
}
