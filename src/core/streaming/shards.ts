/**
 * Which outbox shard a partition key lives in. Every event of one key (a store, a DC, a customer's impressions)
 * goes to one shard, so the order of a key's events is the order of that shard's chunks; and since a store
 * belongs to one supply region, each region's generation unit writes only its own keys' chunks. The hash is
 * FNV-1a over the key's UTF-16 code units: stable across processes and versions (never a salted or built-in
 * hash), cheap, and well spread for short keys such as `store-12`.
 */
export function shardOf(partitionKey: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < partitionKey.length; i++) {
    hash ^= partitionKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
