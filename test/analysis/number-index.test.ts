import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NumberIndex } from "../../dissector/analysis/number-index.js";
import { parseIPv4 } from "../../dissector/analysis/names.js";

describe("NumberIndex", () => {
  it("behaves as a Map for integer keys up to 2^53, through growth", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.maxSafeNat(), fc.nat({ max: 0x7fffffff })), { maxLength: 3000 }), (pairs) => {
        const idx = new NumberIndex(16);
        const ref = new Map<number, number>();
        for (const [k, v] of pairs) {
          idx.set(k, v);
          ref.set(k, v);
        }
        expect(idx.size).toBe(ref.size);
        for (const [k, v] of ref) expect(idx.get(k)).toBe(v);
        expect(idx.get(2 ** 53 - 1) === -1 || ref.has(2 ** 53 - 1)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it("keys differing only above 32 bits stay apart", () => {
    const idx = new NumberIndex();
    for (let hi = 0; hi < 1000; hi++) idx.set(hi * 2 ** 32 + 7, hi);
    for (let hi = 0; hi < 1000; hi++) expect(idx.get(hi * 2 ** 32 + 7)).toBe(hi);
    expect(idx.get(7 + 2 ** 45)).toBe(-1);
  });
});

describe("parseIPv4", () => {
  it("reads dotted quads and refuses anything else", () => {
    expect(parseIPv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
    for (const bad of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "::1", "1.2.3.4 ", "a.b.c.d", "1234.1.1.1"])
      expect(parseIPv4(bad)).toBe(-1);
  });
});
