/**
 * Splits a 64-bit timestamp (two 32-bit halves, in units of 1/unitsPerSecond) into seconds and
 * nanoseconds without bigint: a direct path while the count fits a double exactly, a 16-bit long
 * division otherwise (nanosecond timestamps since 1970 exceed 2^53); bigint only for resolutions
 * finer than 2^-32 s, which no capture tool writes.
 */

/** Scratch result, reused by the readers to avoid an allocation per packet. */
export interface SplitTime {
  sec: number;
  nsec: number;
}

const TWO_32 = 4294967296;

/** Nanoseconds per unit when that is an integer (units divide 1e9), else 0. */
export function nanosPerUnit(unitsPerSecond: number): number {
  const per = 1e9 / unitsPerSecond;
  return Number.isInteger(per) ? per : 0;
}

export function splitTimestamp(high: number, low: number, unitsPerSecond: number, nsPerUnit: number, out: SplitTime): void {
  let rem: number;
  if (unitsPerSecond > TWO_32) {
    // Finer than 2^-32 s (picoseconds and beyond): rare enough for bigint.
    const total = (BigInt(high) << 32n) + BigInt(low);
    const units = BigInt(unitsPerSecond);
    out.sec = Number(total / units);
    out.nsec = Number(((total % units) * 1_000_000_000n) / units);
    return;
  }
  if (high < 0x200000) {
    const total = high * TWO_32 + low;
    rem = total % unitsPerSecond;
    out.sec = (total - rem) / unitsPerSecond;
  } else {
    // Long division of the 64-bit count by 16-bit digits: every intermediate stays below 2^48.
    let cur = high >>> 16;
    let q3 = Math.floor(cur / unitsPerSecond);
    rem = cur - q3 * unitsPerSecond;
    cur = rem * 65536 + (high & 0xffff);
    const q2 = Math.floor(cur / unitsPerSecond);
    rem = cur - q2 * unitsPerSecond;
    cur = rem * 65536 + (low >>> 16);
    const q1 = Math.floor(cur / unitsPerSecond);
    rem = cur - q1 * unitsPerSecond;
    cur = rem * 65536 + (low & 0xffff);
    const q0 = Math.floor(cur / unitsPerSecond);
    rem = cur - q0 * unitsPerSecond;
    q3 = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0;
    out.sec = q3;
  }
  out.nsec = subSecondNanos(rem, unitsPerSecond, nsPerUnit);
}

/** Nanoseconds in `rem` units (rem < unitsPerSecond <= 2^32), rounded down. */
function subSecondNanos(rem: number, unitsPerSecond: number, nsPerUnit: number): number {
  if (nsPerUnit > 0) return rem * nsPerUnit;
  // 2^k: 1e9 / 2^k = 1953125 * 2^(9-k) is exact in binary, and so is the product (< 2^53).
  return Math.min(999_999_999, Math.floor(rem * (1e9 / unitsPerSecond)));
}

export class TimestampSplitter {
  private readonly units: number;
  private readonly nsPerUnit: number;
  private high = -1;
  private quotient = 0;
  private remainder = 0;
  private readonly scratch: SplitTime = { sec: 0, nsec: 0 };

  constructor(unitsPerSecond: number) {
    this.units = unitsPerSecond;
    this.nsPerUnit = nanosPerUnit(unitsPerSecond);
  }

  split(high: number, low: number, out: SplitTime): void {
    if (high !== this.high || this.units > TWO_32) {
      if (this.units > TWO_32) {
        splitTimestamp(high, low, this.units, this.nsPerUnit, out);
        return;
      }
      splitTimestamp(high, 0, this.units, 0, this.scratch);
      this.high = high;
      this.quotient = this.scratch.sec;
      this.remainder = high < 0x200000 ? (high * TWO_32) % this.units : this.exactRemainder(high);
    }
    const part = this.remainder + low;
    const rem = part % this.units;
    out.sec = this.quotient + (part - rem) / this.units;
    out.nsec = subSecondNanos(rem, this.units, this.nsPerUnit);
  }

  /** (high * 2^32) mod units by 16-bit steps, every intermediate below 2^48. */
  private exactRemainder(high: number): number {
    let rem = 0;
    for (const digit of [high >>> 16, high & 0xffff, 0, 0]) rem = (rem * 65536 + digit) % this.units;
    return rem;
  }
}
