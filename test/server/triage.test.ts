/**
 * The junk shortcut (isReservedTypeJunk, no decode) against the decoder and the server's drop
 * reason: equal for every first byte with every Header Length near the datagram's length, and for
 * random datagrams; and what it costs per datagram compared with a decode.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, encode } from "../../src/codec/index.js";
import { dropReason, isReservedTypeJunk } from "../../src/server/triage.js";

const slow = (b: Uint8Array) => dropReason(decode(b)) === "reservedType";

describe("isReservedTypeJunk", () => {
  it("says what the decoder says for every first byte, Header Length 0..12 and length 0..12", () => {
    let junk = 0;
    let checked = 0;
    const differ: string[] = [];
    for (let b0 = 0; b0 < 256; b0++) {
      for (let length = 0; length <= 12; length++) {
        for (let hlen = 0; hlen <= 12; hlen++) {
          const b = new Uint8Array(length);
          if (length > 0) b[0] = b0;
          if (length > 1) b[1] = 7;
          if (length > 4) b[4] = hlen;
          if (length > 3) b[3] = hlen === 12 ? 1 : 0; // and one Header Length of 268
          if (isReservedTypeJunk(b) !== slow(b)) differ.push(Buffer.from(b).toString("hex"));
          if (slow(b)) junk++;
          checked++;
        }
      }
    }
    expect(differ).toEqual([]);
    // 120 first bytes hold a reserved type (0x11..0x1F, any low bits): both verdicts occur.
    expect(junk).toBeGreaterThan(1000);
    expect(checked - junk).toBeGreaterThan(1000);
  });

  it("says what the decoder says for random datagrams", () => {
    const reservedFirst = fc.integer({ min: 0x11, max: 0x1f }).chain((t) => fc.nat(7).map((low) => (t << 3) | low));
    const datagram = fc.tuple(fc.oneof(reservedFirst, fc.nat(255)), fc.uint8Array({ minLength: 0, maxLength: 40 })).map(([b0, rest]) => {
      const b = Uint8Array.from(rest);
      if (b.length > 0) b[0] = b0;
      return b;
    });
    fc.assert(
      fc.property(datagram, (b) => isReservedTypeJunk(b) === slow(b)),
      { numRuns: 20_000, seed: 18 },
    );
  });

  it("takes the junk flood's datagram, not a message the server accepts", () => {
    expect(isReservedTypeJunk(Uint8Array.of(0x88, 0, 0, 0, 5))).toBe(true);
    expect(isReservedTypeJunk(Uint8Array.of(0xf9, 1, 0, 0, 5))).toBe(true); // ACK of type 0x1f
    expect(isReservedTypeJunk(Uint8Array.of(0x88, 0, 0, 0, 6))).toBe(false); // Header Length past the end: malformed
    expect(isReservedTypeJunk(encode({ type: 0x05, seq: 0, ack: 0, src: 3, group: 1, data: "hi" }))).toBe(false);
    expect(isReservedTypeJunk(encode({ type: 0x05, seq: 0, ack: 1, src: 3, group: 1 }))).toBe(false);
  });

  it("costs less than a decode (the figure is printed; the best of 5 rounds of each)", () => {
    const junk = Uint8Array.of(0x88, 0, 0, 0, 5);
    const n = 100_000;
    let hits = 0;
    const best = (f: () => void) => {
      let min = Infinity;
      for (let round = 0; round < 5; round++) {
        const t0 = performance.now();
        f();
        min = Math.min(min, (performance.now() - t0) / n);
      }
      return min;
    };
    const quick = best(() => {
      for (let i = 0; i < n; i++) if (isReservedTypeJunk(junk)) hits++;
    });
    const full = best(() => {
      for (let i = 0; i < n; i++) if (slow(junk)) hits++;
    });
    console.log(`[triage] per junk datagram: shortcut ${(quick * 1e6).toFixed(0)} ns, decode + drop reason ${(full * 1e6).toFixed(0)} ns`);
    expect(hits).toBe(10 * n);
    expect(quick).toBeLessThan(full);
  });
});
