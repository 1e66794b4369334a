/**
 * 64-bit timestamps split into seconds + nanoseconds without bigint, checked against bigint.
 */
import { describe, expect, it } from "vitest";
import { splitTimestamp, TimestampSplitter } from "../../dissector/capture/timestamp.js";
import { joinTimestamp } from "../../dissector/capture/pcapng-writer.js";
import { rng } from "./helpers.js";

const resolutions = [0, 3, 6, 9, 12, 15, 0x80 | 10, 0x80 | 20, 0x80 | 30, 0x80 | 40];
const units = (tsresol: number): bigint => (tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol));

describe("timestamps", () => {
  it("split exactly like bigint, for every resolution and far-apart values", () => {
    const random = rng(9);
    for (const tsresol of resolutions) {
      const u = units(tsresol);
      const splitter = new TimestampSplitter(Number(u));
      const out = { sec: 0, nsec: 0 };
      for (let i = 0; i < 3000; i++) {
        const high =
          i % 3 === 0
            ? Math.floor(random() * 2 ** 32)
            : i % 3 === 1
              ? Math.floor(random() * 0x200000)
              : Math.floor(random() * 0x200000 * 8);
        const low = Math.floor(random() * 2 ** 32);
        const total = (BigInt(high) << 32n) + BigInt(low);
        const sec = total / u;
        if (sec > BigInt(Number.MAX_SAFE_INTEGER)) continue;
        const nsec = ((total % u) * 1_000_000_000n) / u;
        const expected = { sec: Number(sec), nsec: Number(nsec) };
        splitter.split(high, low, out);
        expect(out, `tsresol ${tsresol} ${total}`).toEqual(expected);
        splitTimestamp(high, low, Number(u), u <= 1_000_000_000n && 1_000_000_000n % u === 0n ? Number(1_000_000_000n / u) : 0, out);
        if (u <= 1n << 32n) expect(out, `tsresol ${tsresol} ${total}`).toEqual(expected);
      }
    }
  });

  it("join seconds + nanoseconds exactly like bigint", () => {
    const random = rng(10);
    for (const tsresol of [3, 6, 9, 0x80 | 20, 0x80 | 30]) {
      for (let i = 0; i < 2000; i++) {
        const sec = Math.floor(random() * 2 ** 32);
        const nsec = Math.floor(random() * 1e9);
        const u = units(tsresol);
        const total = BigInt(sec) * u + (BigInt(nsec) * u) / 1_000_000_000n;
        const [high, low] = joinTimestamp(sec, nsec, tsresol);
        expect((BigInt(high) << 32n) + BigInt(low), `tsresol ${tsresol}`).toBe(total);
      }
    }
  });
});
