/**
 * A hash index from non-negative integer keys (up to 2^53) to non-negative int32 values, in two
 * typed arrays with open addressing: 12 bytes a slot, at most 3/4 full, so 16 to 32 bytes an
 * entry where a Map with keys above the small-integer range costs 40 to 70 (entry + boxed key).
 * It indexes endpoints and conversations, one entry per new address or address pair.
 */
const EMPTY = -1;

export class NumberIndex {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 256) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** The value of `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    let i = hash(key) & this.mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) return this.values[i]!;
      if (k === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** Sets `key` (a new key, or a new value for an existing one). */
  set(key: number, value: number): void {
    if ((this.size + 1) * 4 > this.keys.length * 3) this.grow();
    if (this.put(key, value)) this.size++;
  }

  /** Removes `key` (backward-shift deletion: no tombstones, lookups stay short). */
  delete(key: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    let i = hash(key) & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === EMPTY) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === EMPTY) break;
      const home = hash(k) & mask;
      // The entry at j stays when its home slot lies cyclically in (i, j].
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      keys[i] = k;
      this.values[i] = this.values[j]!;
      i = j;
    }
    keys[i] = EMPTY;
    this.size--;
    return true;
  }

  private put(key: number, value: number): boolean {
    const keys = this.keys;
    let i = hash(key) & this.mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) {
        this.values[i] = value;
        return false;
      }
      if (k === EMPTY) {
        keys[i] = key;
        this.values[i] = value;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(oldKeys.length * 2).fill(EMPTY);
    this.values = new Int32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== EMPTY) this.put(oldKeys[i]!, oldValues[i]!);
  }

  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }
}

function hash(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
