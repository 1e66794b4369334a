/**
 * The header reader generated from the table (compileHeaderReader) against the generic walk of
 * the same places, for the real table and for altered ones; and headerValue, the one-field reader.
 */
import { describe, expect, it } from "vitest";
import { compileHeaderReader, headerValue, readHeader, readHeaderWalk } from "../../src/codec/header.js";
import { HEADER_FIELDS, type FieldSpec, type HeaderFieldName } from "../../src/protocol/fields.js";
import { HEADER_PLACES, type FieldPlace } from "../../src/protocol/layout.js";

/** Deterministic bytes (xorshift). */
function randomBytes(seed: number, n: number): Uint8Array {
  let x = seed || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const place = (name: HeaderFieldName, offset: number, field: Partial<FieldSpec> = {}): FieldPlace<HeaderFieldName> => ({
  name,
  offset,
  field: { ...HEADER_FIELDS[name], ...field },
  allowed: undefined,
});

/** Altered headers: containers swapped, masks moved, a 16-bit Source ID, a 3-byte Header Length. */
const ALTERED: readonly (readonly FieldPlace<HeaderFieldName>[])[] = [
  [
    place("type", 0),
    place("reserved", 0),
    place("seq", 0, { mask: 0x01 }),
    place("ack", 0, { mask: 0x02 }),
    place("group", 1),
    place("src", 2),
    place("hlen", 3),
  ],
  [
    place("hlen", 0),
    place("type", 2, { mask: 0x1f }),
    place("ack", 2, { mask: 0x80 }),
    place("seq", 2, { mask: 0x40 }),
    place("reserved", 2, { mask: 0x20 }),
    place("src", 3, { size: 2 }),
    place("group", 5),
  ],
  [
    place("type", 0, { mask: 0x3e }),
    place("reserved", 0, { mask: 0x01 }),
    place("seq", 0, { mask: 0x40 }),
    place("ack", 0, { mask: 0x80 }),
    place("src", 1),
    place("group", 2),
    place("hlen", 3, { size: 3 }),
  ],
];

describe("the generated header reader", () => {
  it("reads what the walk of the table reads, for every first byte and random headers", () => {
    for (let b0 = 0; b0 < 256; b0++) {
      const bytes = randomBytes(b0 + 7, 8);
      bytes[0] = b0;
      expect(readHeader(bytes)).toEqual(readHeaderWalk(bytes));
    }
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(1000 + i, 5);
      expect(readHeader(bytes)).toEqual(readHeaderWalk(bytes));
    }
  });

  it("is the walk for altered tables too (the generator knows no field)", () => {
    for (const places of ALTERED) {
      const read = compileHeaderReader(places);
      for (let i = 0; i < 500; i++) {
        const bytes = randomBytes(5000 + i, 8);
        expect(read(bytes)).toEqual(readHeaderWalk(bytes, places));
      }
    }
    // The walk itself follows the places: the Source ID of the second layout is bytes 3-4.
    expect(readHeaderWalk(Uint8Array.of(0, 0, 0, 0x01, 0x02, 0, 0, 0), ALTERED[1]).src).toBe(0x0102);
  });

  it("refuses a header field that is no integer", () => {
    expect(() => compileHeaderReader([place("src", 1, { kind: "ipv4" })])).toThrow(/not a uint/);
  });

  it("headerValue reads one field where the table says, -1 when the datagram is too short", () => {
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(9000 + i, 5);
      const all = readHeaderWalk(bytes);
      for (const p of HEADER_PLACES) expect(headerValue(bytes, p.name)).toBe(all[p.name]);
    }
    expect(headerValue(new Uint8Array(0), "type")).toBe(-1);
    expect(headerValue(Uint8Array.of(0x2b), "seq")).toBe(1);
    expect(headerValue(Uint8Array.of(0x2b, 1, 2, 0), "hlen")).toBe(-1);
  });
});
