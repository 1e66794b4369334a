/**
 * xorshift32: a tiny seeded PRNG. A case's generator is seeded from (campaign seed, case number)
 * alone, so case N is the same whatever the target answered to cases 0..N-1.
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
    for (let i = 0; i < 4; i++) this.next();
  }
  /** Seed of case `index` of a campaign seeded `seed`. */
  static forCase(seed: number, index: number): Rng {
    return new Rng(Math.imul((seed >>> 0) ^ 0x85ebca6b, 0x9e3779b1) ^ Math.imul(index + 1, 0xc2b2ae35));
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}
