/**
 * Growable typed-array columns in fixed chunks: appending never copies what is stored, and a
 * million rows cost exactly their element size each (plus one chunk of slack).
 */
type TypedArray = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;
type TypedCtor<T extends TypedArray> = new (length: number) => T;

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

export class Column<T extends TypedArray> {
  private readonly chunks: T[] = [];
  constructor(private readonly ctor: TypedCtor<T>) {}

  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & MASK]!;
  }

  set(i: number, v: number): void {
    const c = i >>> CHUNK_BITS;
    while (c >= this.chunks.length) this.chunks.push(new this.ctor(CHUNK));
    this.chunks[c]![i & MASK] = v;
  }

  /** Bytes held. */
  bytes(): number {
    let n = 0;
    for (const c of this.chunks) n += c.byteLength;
    return n;
  }
}

export const f64 = (): Column<Float64Array> => new Column(Float64Array);
export const i32 = (): Column<Int32Array> => new Column(Int32Array);
export const u32 = (): Column<Uint32Array> => new Column(Uint32Array);
export const u16 = (): Column<Uint16Array> => new Column(Uint16Array);
export const u8 = (): Column<Uint8Array> => new Column(Uint8Array);

/** A growable Int32 list (displayed rows), one contiguous array doubled when full. */
export class IntList {
  private data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  /** Position of the first element >= v (the list is sorted ascending). */
  lowerBound(v: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.data[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  bytes(): number {
    return this.data.byteLength;
  }
}
