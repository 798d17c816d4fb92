/**
 * Text columns written straight as UTF-8 bytes. A column of 400,000 mostly unique values (customers'
 * addresses, phones, card numbers) built as JavaScript strings costs a string per row to make, a flatten and
 * a UTF-8 encoding to write, and most of the garbage collector's time in between; built here, each value is a
 * few byte copies from pieces encoded once (street names, a geography's city line) and digits, and the Parquet
 * encoder reads the bytes as they are. Host-free.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Values as one UTF-8 buffer: value `i` is `bytes[offsets[i]]` up to `bytes[offsets[i + 1]]`. No nulls. */
export class Utf8Strings {
  constructor(
    readonly bytes: Uint8Array,
    readonly offsets: Int32Array,
  ) {}

  get length(): number {
    return this.offsets.length - 1;
  }

  at(index: number): string {
    return decoder.decode(this.bytes.subarray(this.offsets[index]!, this.offsets[index + 1]!));
  }

  toArray(): string[] {
    const values = new Array<string>(this.length);
    for (let i = 0; i < values.length; i++) values[i] = this.at(i);
    return values;
  }
}

/** Each string's UTF-8 bytes, encoded once so that building a value is only copying. */
export function utf8Pieces(values: readonly (string | number)[]): Uint8Array[] {
  return values.map((value) => encoder.encode(String(value)));
}

export function utf8Piece(value: string): Uint8Array {
  return encoder.encode(value);
}

const BASE36 = encoder.encode('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');

/**
 * Appends values one piece at a time: `piece`, `digits` and `byte` add to the current value, `end` closes it.
 * The buffer starts at the expected size and doubles when a value runs past it.
 */
export class Utf8StringsBuilder {
  private bytes: Uint8Array;
  private readonly offsets: Int32Array;
  private count = 0;
  private at = 0;

  constructor(
    readonly values: number,
    expectedBytesPerValue: number,
  ) {
    this.bytes = new Uint8Array(Math.max(64, values * expectedBytesPerValue));
    this.offsets = new Int32Array(values + 1);
  }

  piece(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    const target = this.bytes;
    let at = this.at;
    // Pieces are a few bytes: a loop beats set() and its bounds checks at this size.
    for (let i = 0; i < bytes.length; i++) target[at++] = bytes[i]!;
    this.at = at;
    return this;
  }

  /** One ASCII character by its code. */
  byte(code: number): this {
    this.reserve(1);
    this.bytes[this.at++] = code;
    return this;
  }

  /** A non-negative integer in decimal, zero-padded to `width` digits (as `String(n).padStart(width, '0')`). */
  digits(value: number, width = 1): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`digits() takes a non-negative integer, got ${value}`);
    let length = 1;
    for (let power = 10; power <= value; power *= 10) length++;
    const size = Math.max(length, width);
    this.reserve(size);
    const target = this.bytes;
    let at = this.at + size;
    let rest = value;
    // Int32 division while the value fits (every id and random part in practice), floating point above.
    for (; at > this.at && rest > 0x7fffffff; rest = Math.floor(rest / 10)) target[--at] = 48 + (rest % 10);
    for (; at > this.at; rest = (rest / 10) | 0) target[--at] = 48 + (rest % 10);
    this.at += size;
    return this;
  }

  /** The last `width` base-36 digits (0-9, A-Z) of a non-negative integer, most significant first, zero-padded. */
  base36(value: number, width: number): this {
    this.reserve(width);
    const target = this.bytes;
    let at = this.at + width;
    let rest = value;
    for (let i = 0; i < width; i++) {
      target[--at] = BASE36[rest % 36]!;
      rest = Math.floor(rest / 36);
    }
    this.at += width;
    return this;
  }

  end(): void {
    if (this.count >= this.values) throw new RangeError(`the builder was made for ${this.values} values`);
    this.offsets[++this.count] = this.at;
  }

  finish(): Utf8Strings {
    if (this.count !== this.values) throw new RangeError(`${this.count} of ${this.values} values were built`);
    return new Utf8Strings(this.bytes.subarray(0, this.at), this.offsets);
  }

  private reserve(more: number): void {
    if (this.at + more <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + more));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
  }
}
