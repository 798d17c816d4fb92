/**
 * The outbox shard of a partition key: FNV-1a (32-bit), checked against the published test vectors of the FNV
 * reference (the offset basis for "", and the hashes of "a" and "foobar"), so the hash cannot drift between
 * versions or processes; and a store's shard is the same whoever computes it.
 */
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../src/core/streaming/shards.js';

describe('shardOf', () => {
  it('is FNV-1a 32-bit (the reference test vectors)', () => {
    expect(shardOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(shardOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(shardOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
  });

  it('spreads the default business size stores over the four shards', () => {
    const counts = [0, 0, 0, 0];
    for (let store = 1; store <= 86; store++) counts[shardOf(`store-${store}`, 4)]!++;
    // 86 stores: every shard gets a fair share (none under half of an even split).
    for (const count of counts) expect(count).toBeGreaterThan(86 / 4 / 2);
  });
});
