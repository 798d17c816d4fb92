/**
 * The claim rule shared by the outbox and its double: a shard's line stops at a chunk another drain holds (so a
 * taking-over drain cannot send a key's later events first) and passes over the claiming drain's own chunks.
 */
import { describe, expect, it } from 'vitest';
import { claimableRun, selectClaims, type ChunkClaimView } from '../../src/core/streaming/claim-plan.js';

const NOW = 1_000_000;
const pending = (key: string, unsent = 250): ChunkClaimView => ({ key, status: 'pending', claimUntil: 0, claimedBy: '', unsent });
const held = (key: string, by: string, until: number): ChunkClaimView => ({ key, status: 'claimed', claimUntil: until, claimedBy: by, unsent: 250 });
const keys = (chunks: readonly ChunkClaimView[]) => chunks.map((c) => c.key);

describe('claim plan', () => {
  it('stops a shard at a chunk another drain holds, whatever follows it', async () => {
    const line = [pending('a'), held('b', 'other', NOW + 1), pending('c')];
    expect(keys(await claimableRun(line, 'me', NOW, 10_000))).toEqual(['a']);
  });

  it('takes over an expired claim and goes on past it', async () => {
    const line = [held('a', 'other', NOW - 1), pending('b')];
    expect(keys(await claimableRun(line, 'me', NOW, 10_000))).toEqual(['a', 'b']);
  });

  it("passes over the claiming drain's own chunks, expired or not, and claims what follows", async () => {
    const line = [held('a', 'me', NOW + 5), held('b', 'me', NOW - 5), pending('c')];
    expect(keys(await claimableRun(line, 'me', NOW, 10_000))).toEqual(['c']);
  });

  it('an unnamed claim is nobody’s own: it blocks until it expires', async () => {
    const line = [held('a', '', NOW + 5), pending('b')];
    expect(keys(await claimableRun(line, '', NOW, 10_000))).toEqual([]);
    expect(keys(await claimableRun(line, '', NOW + 10, 10_000))).toEqual(['a', 'b']);
  });

  it('stops reading a line once enough unsent events are found', async () => {
    let read = 0;
    async function* line() {
      for (const key of ['a', 'b', 'c', 'd', 'e']) {
        read++;
        yield pending(key, 100);
      }
    }
    expect(keys(await claimableRun(line(), 'me', NOW, 250))).toEqual(['a', 'b', 'c']);
    expect(read).toBe(3);
  });

  it('selects in row-key order across shards up to the budget, and the first chunk of every shard', () => {
    const runs = [[pending('01'), pending('03'), pending('05')], [pending('02'), pending('04')], [pending('09')]];
    const chosen = selectClaims(runs, 500);
    // 01 + 02 reach 500; shard 2's first chunk is taken whatever the count; nothing past the budget otherwise.
    expect(chosen.map(keys)).toEqual([['01'], ['02'], ['09']]);
    expect(selectClaims(runs, 1_000).map(keys)).toEqual([['01', '03'], ['02', '04'], ['09']]);
    expect(selectClaims([[], []], 1_000)).toEqual([[], []]);
  });
});
