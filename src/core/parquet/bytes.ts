/** A growable little-endian byte buffer for page bodies: one allocation per page at most, no per-byte calls. */
export class Bytes {
  buffer: Uint8Array;
  view: DataView;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }

  reset(): void {
    this.length = 0;
  }

  /** Makes room for `size` more bytes. */
  reserve(size: number): void {
    const needed = this.length + size;
    if (needed <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  varint(value: number): void {
    this.reserve(5);
    while ((value & ~0x7f) !== 0) {
      this.buffer[this.length++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buffer[this.length++] = value;
  }

  uint32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view8(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * The RLE / bit-packed hybrid encoding of `values[start, end)`, decision for decision as hyparquet-writer's
 * `writeRleBitPackedHybrid`: a run of 8 or more equal values is one RLE run, anything else goes into groups
 * of 8 bit-packed values (the last group padded with zeros). Returns the bytes written.
 */
export function writeRleHybrid(out: Bytes, values: ArrayLike<number>, start: number, end: number, bitWidth: number): number {
  const before = out.length;
  let pendingGroups = 0;
  let packedStart = 0;
  let i = start;
  while (i < end) {
    const first = values[i]!;
    let run = 1;
    while (i + run < end && values[i + run] === first) run++;
    if (run >= 8) {
      if (pendingGroups) {
        writePacked(out, values, packedStart, end, pendingGroups, bitWidth);
        pendingGroups = 0;
      }
      out.varint(run << 1);
      const width = (bitWidth + 7) >> 3;
      for (let j = 0; j < width; j++) out.byte((first >> (j << 3)) & 0xff);
      i += run;
    } else {
      if (pendingGroups === 0) packedStart = i;
      pendingGroups++;
      i += 8;
    }
  }
  if (pendingGroups) writePacked(out, values, packedStart, end, pendingGroups, bitWidth);
  return out.length - before;
}

function writePacked(out: Bytes, values: ArrayLike<number>, start: number, end: number, groups: number, bitWidth: number): void {
  out.varint((groups << 1) | 1);
  if (bitWidth === 0) return;
  out.reserve(groups * bitWidth + 1);
  const target = out.buffer;
  let at = out.length;
  const mask = (1 << bitWidth) - 1;
  let buffer = 0;
  let used = 0;
  const total = groups * 8;
  for (let k = 0; k < total; k++) {
    const index = start + k;
    const value = index < end ? values[index]! & mask : 0;
    buffer |= value << used;
    used += bitWidth;
    while (used >= 8) {
      target[at++] = buffer & 0xff;
      buffer >>>= 8;
      used -= 8;
    }
  }
  if (used > 0) target[at++] = buffer & 0xff;
  out.length = at;
}
