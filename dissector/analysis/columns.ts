/**
 * Growable typed-array columns indexed by a dense integer (frame number, transaction index).
 * Storage is a list of fixed-size chunks, so growing never copies and never holds two copies at
 * once: memory is the exact number of entries rounded up to one chunk, and peak RSS stays flat.
 * Unset entries read as the column's fill value (0 unless told otherwise).
 */

const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

type TypedArray = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array | Int16Array;
type TypedArrayCtor<T extends TypedArray> = new (length: number) => T;

export class Column<T extends TypedArray> {
  private readonly chunks: T[] = [];

  constructor(
    private readonly ctor: TypedArrayCtor<T>,
    private readonly fill = 0,
  ) {}

  get(i: number): number {
    const chunk = this.chunks[i >>> CHUNK_BITS];
    return chunk === undefined ? this.fill : chunk[i & CHUNK_MASK]!;
  }

  set(i: number, value: number): void {
    const c = i >>> CHUNK_BITS;
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      while (this.chunks.length <= c) {
        const fresh = new this.ctor(CHUNK_SIZE);
        if (this.fill !== 0) fresh.fill(this.fill);
        this.chunks.push(fresh);
      }
      chunk = this.chunks[c]!;
    }
    chunk[i & CHUNK_MASK] = value;
  }

  /** Sets bits (for flag columns). */
  or(i: number, bits: number): void {
    this.set(i, this.get(i) | bits);
  }

  /** Bytes held by the chunks. */
  get bytes(): number {
    let n = 0;
    for (const c of this.chunks) n += c.byteLength;
    return n;
  }
}

export const int32 = (fill = 0) => new Column(Int32Array, fill);
export const uint16 = () => new Column(Uint16Array);
export const uint8 = () => new Column(Uint8Array);
export const float64 = () => new Column(Float64Array);
