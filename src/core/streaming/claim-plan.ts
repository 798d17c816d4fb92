/**
 * Which outbox chunks a claim takes: the rule every Outbox implementation shares, so per-key order cannot depend
 * on the store behind it.
 *
 * A shard holds its keys' events in row-key order. A chunk another drain holds (its claim not yet expired) is the
 * head of the line for its shard: nothing after it may be taken, or a taking-over drain would send those keys'
 * later events before the holder sends the earlier ones. The claiming drain's own chunks (claimed ahead, still being
 * sent) are passed over: they are already in its queue, and it may claim what follows them.
 */

/** What a claim needs to know about a chunk (no event data). */
export interface ChunkClaimView {
  /** Row key: the order of chunks within a shard. */
  key: string;
  status: 'pending' | 'claimed' | 'sent';
  /** Epoch ms the current claim ends (claimed chunks). */
  claimUntil: number;
  /** Who holds the claim ('' when unclaimed or written before claims named their holder). */
  claimedBy: string;
  /** Unsent events left in the chunk. */
  unsent: number;
}

export type ChunkVerdict = 'claimable' | 'own' | 'blocked' | 'done';

/** One chunk's place in its shard's line, for the drain `holder` at `now`. */
export function verdictOf(chunk: ChunkClaimView, holder: string, now: number): ChunkVerdict {
  if (chunk.status === 'sent') return 'done';
  if (chunk.status === 'pending') return 'claimable';
  if (chunk.claimedBy === holder && holder !== '') return 'own';
  return chunk.claimUntil < now ? 'claimable' : 'blocked';
}

/**
 * Reads one shard's unsent chunks in row-key order and keeps the claimable ones up to the first chunk another
 * drain holds, stopping once `wanted` unsent events are found. `chunks` may be a paged source: it is left once
 * enough is found or the line is blocked.
 */
export async function claimableRun<T extends ChunkClaimView>(
  chunks: AsyncIterable<T> | Iterable<T>,
  holder: string,
  now: number,
  wanted: number,
): Promise<T[]> {
  const run: T[] = [];
  let found = 0;
  for await (const chunk of chunks) {
    const verdict = verdictOf(chunk, holder, now);
    if (verdict === 'blocked') break;
    if (verdict !== 'claimable') continue;
    run.push(chunk);
    found += chunk.unsent;
    if (found >= wanted) break;
  }
  return run;
}

/**
 * From each shard's claimable run, the chunks to claim: in row-key order across shards until about `maxEvents`
 * unsent events, and the first of every shard whatever the count (so the drain can merge the shards by time).
 * Each shard's selection is a prefix of its run, so no shard's line is skipped over.
 */
export function selectClaims<T extends ChunkClaimView>(runs: readonly (readonly T[])[], maxEvents: number): T[][] {
  const chosen = runs.map(() => [] as T[]);
  const next = runs.map(() => 0);
  let events = 0;
  for (;;) {
    let shard = -1;
    for (let s = 0; s < runs.length; s++) {
      const candidate = runs[s]![next[s]!];
      if (candidate === undefined) continue;
      // Past the budget, only shards without a chunk yet still take their first one.
      if (events >= maxEvents && chosen[s]!.length > 0) continue;
      if (shard < 0 || candidate.key < runs[shard]![next[shard]!]!.key) shard = s;
    }
    if (shard < 0) return chosen;
    const chunk = runs[shard]![next[shard]!]!;
    chosen[shard]!.push(chunk);
    next[shard] = next[shard]! + 1;
    events += chunk.unsent;
  }
}
