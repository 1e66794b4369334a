/**
 * Growable typed-array columns indexed by a dense integer (frame number, transaction index).
 * Storage is a list of fixed-size chunks, so growing never copies and never holds two copies at
 * once: memory is the exact number of entries rounded up to one chunk, and peak RSS stays flat.
 * Unset entries read as the column's fill value (0 unless told otherwise), and so do forgotten
 * ones (below `forgetBelow`'s index: an endless stream's old frames, retention.ts).
 */

/** Entries per chunk of a per-frame column: 65 536 (256 KiB for a Float64 column). */
export const FRAME_CHUNK_BITS = 16;
/** Entries per chunk of a per-conversation or per-endpoint column: 64 (small captures, and the fuzzer's analysis of each case, stay small). */
export const SMALL_CHUNK_BITS = 6;

/** Four kinds at most: more would make the element access in get/set megamorphic (slow). */
type TypedArray = Int32Array | Uint16Array | Uint8Array | Float64Array;
type TypedArrayCtor<T extends TypedArray> = new (length: number) => T;

export class Column<T extends TypedArray> {
  private readonly chunks: (T | undefined)[] = [];
  private readonly mask: number;
  /** Entries below this index were forgotten: they read as the fill value and take no writes. */
  private floor = 0;

  constructor(
    private readonly ctor: TypedArrayCtor<T>,
    private readonly fill = 0,
    private readonly bits = FRAME_CHUNK_BITS,
  ) {
    this.mask = (1 << bits) - 1;
  }

  get(i: number): number {
    if (i < this.floor) return this.fill;
    const chunk = this.chunks[i >>> this.bits];
    return chunk === undefined ? this.fill : chunk[i & this.mask]!;
  }

  set(i: number, value: number): void {
    if (i < this.floor) return;
    const c = i >>> this.bits;
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      while (this.chunks.length <= c) {
        const fresh = new this.ctor(1 << this.bits);
        if (this.fill !== 0) fresh.fill(this.fill);
        this.chunks.push(fresh);
      }
      chunk = this.chunks[c]!;
    }
    chunk[i & this.mask] = value;
  }

  /** Sets bits (for flag columns). */
  or(i: number, bits: number): void {
    this.set(i, this.get(i) | bits);
  }

  /** Forgets the entries below `index`: every chunk wholly below it is released. */
  forgetBelow(index: number): void {
    if (index <= this.floor) return;
    this.floor = index;
    const whole = Math.min(index >>> this.bits, this.chunks.length);
    for (let c = 0; c < whole; c++) this.chunks[c] = undefined;
  }

  /** Bytes held by the chunks. */
  get bytes(): number {
    let n = 0;
    for (const c of this.chunks) n += c?.byteLength ?? 0;
    return n;
  }
}

export const int32 = (fill = 0, bits = FRAME_CHUNK_BITS) => new Column(Int32Array, fill, bits);
export const uint16 = (bits = FRAME_CHUNK_BITS) => new Column(Uint16Array, 0, bits);
export const uint8 = (fill = 0, bits = FRAME_CHUNK_BITS) => new Column(Uint8Array, fill, bits);
export const float64 = (bits = FRAME_CHUNK_BITS) => new Column(Float64Array, 0, bits);
