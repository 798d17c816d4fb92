/**
 * Snappy compression, the same algorithm step for step as hyparquet-writer's `snappyCompress` (itself a port
 * of snappyjs, MIT License, Copyright (c) 2016 Zhipeng Jia), so that a page compresses to the same bytes
 * whichever encoder wrote it: the files stay byte-identical to the library's for the same values.
 *
 * Why a copy instead of calling the library: its writer appends one byte at a time through a growable
 * DataView, which made compression a tenth of the whole encode. Here the output goes into one buffer sized for
 * the worst case up front, and literals are copied with `set`.
 */

const MAX_HASH_TABLE_BITS = 14;
const MAX_OFFSET = 0xffff;
const INPUT_MARGIN = 15;
const hashTables: Uint32Array[] = [];
let output = new Uint8Array(1 << 16);

const load32 = (a: Uint8Array, p: number): number => a[p]! + (a[p + 1]! << 8) + (a[p + 2]! << 16) + (a[p + 3]! << 24);
const equals32 = (a: Uint8Array, p: number, q: number): boolean => a[p] === a[q] && a[p + 1] === a[q + 1] && a[p + 2] === a[q + 2] && a[p + 3] === a[q + 3];
const hashOf = (key: number, shift: number): number => Math.imul(key, 0x1e35a7bd) >>> shift;

/** Largest possible output for `length` input bytes: a varint, then literals with their tag bytes. */
function worstCase(length: number): number {
  return 10 + length + Math.ceil(length / 60) * 5 + 16;
}

function emitLiteral(out: Uint8Array, op: number, input: Uint8Array, ip: number, len: number): number {
  if (len <= 60) {
    out[op++] = (len - 1) << 2;
  } else {
    const value = len - 1;
    const bytes = value < 0x100 ? 1 : value < 0x10000 ? 2 : value < 0x1000000 ? 3 : 4;
    out[op++] = (59 + bytes) << 2;
    for (let i = 0; i < bytes; i++) out[op++] = (value >>> (i * 8)) & 0xff;
  }
  if (len < 16) {
    for (let i = 0; i < len; i++) out[op + i] = input[ip + i]!;
  } else {
    out.set(input.subarray(ip, ip + len), op);
  }
  return op + len;
}

function emitCopyLessThan64(out: Uint8Array, op: number, offset: number, len: number): number {
  if (len < 12 && offset < 2048) {
    out[op++] = (1 + ((len - 4) << 2) + ((offset >>> 8) << 5)) & 0xff;
    out[op++] = offset & 0xff;
  } else {
    out[op++] = (2 + ((len - 1) << 2)) & 0xff;
    out[op++] = offset & 0xff;
    out[op++] = (offset >>> 8) & 0xff;
  }
  return op;
}

function emitCopy(out: Uint8Array, op: number, offset: number, len: number): number {
  while (len >= 68) {
    op = emitCopyLessThan64(out, op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopyLessThan64(out, op, offset, 60);
    len -= 60;
  }
  return emitCopyLessThan64(out, op, offset, len);
}

/** Compressed bytes of `input`. The result is a fresh copy (callers keep it while the next page compresses). */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const needed = worstCase(input.length);
  if (output.length < needed) output = new Uint8Array(Math.max(needed, output.length * 2));
  const out = output;
  let op = 0;

  let length = input.length;
  while ((length & ~0x7f) !== 0) {
    out[op++] = (length & 0x7f) | 0x80;
    length >>>= 7;
  }
  out[op++] = length;

  const inputSize = input.length;
  let hashTableBits = 1;
  while (1 << hashTableBits <= inputSize && hashTableBits <= MAX_HASH_TABLE_BITS) hashTableBits++;
  hashTableBits--;
  const shift = 32 - hashTableBits;
  const table = (hashTables[hashTableBits] ??= new Uint32Array(1 << hashTableBits));
  table.fill(0);

  let ip = 0;
  let nextEmit = 0;
  if (inputSize >= INPUT_MARGIN) {
    const ipLimit = inputSize - INPUT_MARGIN;
    ip++;
    let nextHash = hashOf(load32(input, ip), shift);
    let running = true;
    while (running) {
      let skip = 32;
      let nextIp = ip;
      let candidate = 0;
      do {
        ip = nextIp;
        const hash = nextHash;
        const step = skip >>> 5;
        skip++;
        nextIp = ip + step;
        if (ip > ipLimit) {
          running = false;
          break;
        }
        nextHash = hashOf(load32(input, nextIp), shift);
        candidate = table[hash]!;
        table[hash] = ip;
      } while (ip - candidate > MAX_OFFSET || !equals32(input, ip, candidate));
      if (!running) break;

      op = emitLiteral(out, op, input, nextEmit, ip - nextEmit);
      do {
        const base = ip;
        let matched = 4;
        while (ip + matched < inputSize && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = emitCopy(out, op, base - candidate, matched);
        nextEmit = ip;
        if (ip >= ipLimit) {
          running = false;
          break;
        }
        table[hashOf(load32(input, ip - 1), shift)] = ip - 1;
        const current = hashOf(load32(input, ip), shift);
        candidate = table[current]!;
        table[current] = ip;
      } while (ip - candidate <= MAX_OFFSET && equals32(input, ip, candidate));
      if (!running) break;
      ip++;
      nextHash = hashOf(load32(input, ip), shift);
    }
  }
  if (nextEmit < inputSize) op = emitLiteral(out, op, input, nextEmit, inputSize - nextEmit);
  return out.slice(0, op);
}
