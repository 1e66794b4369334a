/** A growable list of 32-bit integers (the displayed rows of a filter). */
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
