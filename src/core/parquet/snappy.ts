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

// Four bytes at a time through a DataView (one load instead of four): the hash multiplies the value as an int32,
// so the unsigned word hashes exactly as the library's signed sum of the same four bytes.
// Past the end (a look-ahead the loop then discards) the library's sum is NaN, which hashes as 0: so does this.
const load32 = (a: DataView, p: number): number => (p + 4 <= a.byteLength ? a.getUint32(p, true) : NaN);
const equals32 = (a: DataView, p: number, q: number): boolean => a.getUint32(p, true) === a.getUint32(q, true);
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

  const words = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let ip = 0;
  let nextEmit = 0;
  if (inputSize >= INPUT_MARGIN) {
    const ipLimit = inputSize - INPUT_MARGIN;
    ip++;
    let nextHash = hashOf(load32(words, ip), shift);
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
        nextHash = hashOf(load32(words, nextIp), shift);
        candidate = table[hash]!;
        table[hash] = ip;
      } while (ip - candidate > MAX_OFFSET || !equals32(words, ip, candidate));
      if (!running) break;

      op = emitLiteral(out, op, input, nextEmit, ip - nextEmit);
      do {
        const base = ip;
        let matched = 4;
        // Whole words while they match, then byte by byte: the same length as a byte-by-byte scan.
        while (ip + matched + 4 <= inputSize && words.getUint32(ip + matched, true) === words.getUint32(candidate + matched, true)) matched += 4;
        while (ip + matched < inputSize && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = emitCopy(out, op, base - candidate, matched);
        nextEmit = ip;
        if (ip >= ipLimit) {
          running = false;
          break;
        }
        table[hashOf(load32(words, ip - 1), shift)] = ip - 1;
        const current = hashOf(load32(words, ip), shift);
        candidate = table[current]!;
        table[current] = ip;
      } while (ip - candidate <= MAX_OFFSET && equals32(words, ip, candidate));
      if (!running) break;
      ip++;
      nextHash = hashOf(load32(words, ip), shift);
    }
  }
  if (nextEmit < inputSize) op = emitLiteral(out, op, input, nextEmit, inputSize - nextEmit);
  return out.slice(0, op);
}
