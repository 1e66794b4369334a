/**
 * Splits a 64-bit timestamp (two 32-bit halves, in units of 1/unitsPerSecond) into seconds and
 * nanoseconds without bigint: a direct path while the count fits a double exactly, a 16-bit long
 * division otherwise (nanosecond timestamps since 1970 exceed 2^53).
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
  if (high < 0x200000) {
    const total = high * TWO_32 + low;
    rem = total % unitsPerSecond;
    out.sec = (total - rem) / unitsPerSecond;
  } else if (unitsPerSecond <= TWO_32) {
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
  } else {
    const total = high * TWO_32 + low;
    out.sec = Math.floor(total / unitsPerSecond);
    rem = Math.max(0, Math.min(unitsPerSecond - 1, total - out.sec * unitsPerSecond));
  }
  out.nsec = nsPerUnit > 0 ? rem * nsPerUnit : Math.min(999_999_999, Math.floor((rem * 1e9) / unitsPerSecond));
}
