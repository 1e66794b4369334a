import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, encode, type ImpMessage } from "../../src/codec/index.js";
import { MESSAGES } from "../../src/protocol/messages.js";
import { messageArb } from "./arbitrary.js";

/** What a decode must give back: the encoded fields, with the computed lengths. */
function withoutDerived(m: ImpMessage): Record<string, unknown> {
  const { hlen: _h, data_len: _d, payload: _p, padding, pad: _pad, ...rest } = m;
  return padding ? { ...rest, padding } : rest;
}

describe("codec properties", () => {
  it("decode never throws on arbitrary bytes up to 70 000 bytes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 70_000 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        (bytes) => {
          const d = decode(bytes);
          expect(d.length).toBe(bytes.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("decode never throws on mutated valid datagrams (header kept plausible)", () => {
    fc.assert(
      fc.property(messageArb, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }), fc.nat(), (m, flips, cut) => {
        const bytes = Buffer.from(encode(m));
        for (const [at, v] of flips) if (bytes.length) bytes[at % bytes.length] = v;
        const sliced = bytes.subarray(0, bytes.length ? cut % (bytes.length + 1) : 0);
        const d = decode(sliced);
        for (const p of d.problems) expect(p.offset + p.length).toBeLessThanOrEqual(sliced.length);
      }),
      { numRuns: 3000 },
    );
  });

  it("encode then decode is the identity for messages generated from the table", () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const bytes = encode(m);
        const d = decode(bytes);
        expect(d.problems.filter((p) => p.category === "malformed")).toEqual([]);
        expect(withoutDerived(d.message!)).toEqual(withoutDerived({ ...m, padding: m.padding ?? 0 }));
        expect(d.message!.hlen).toBe(m.ack ? 5 : d.message!.hlen);
        expect(Buffer.from(encode(d.message!)).equals(bytes)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("covers every assigned type", () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(messageArb, (m) => void seen.add(m.ack ? -1 : m.type)),
      { numRuns: 2000 },
    );
    for (const spec of MESSAGES) expect(seen.has(spec.code), spec.name).toBe(true);
  });
});
