import { describe, expect, it } from "vitest";
import { FIELDS_BY_ABBREV, HEADER_FIELDS, TYPE_NAMES } from "../../src/protocol/fields.js";
import { headerLengthRule, layoutForHeaderLength, layoutHeaderLength, MESSAGES, messageSpec } from "../../src/protocol/messages.js";

// WIRE.md section 3, written out independently of the table: code -> accepted header lengths below 40.
const WIRE_HL: Record<number, number[]> = {
  0x00: [13],
  0x01: [6],
  0x02: [6],
  0x03: [5],
  0x04: [5, 21, 37],
  0x05: [7],
  0x06: Array.from({ length: 33 }, (_, i) => 7 + i),
  0x07: [7],
  0x08: [5],
  0x09: [8],
  0x0a: [7, 8],
  0x0b: [7, 8],
  0x0c: [5],
  0x0d: [5],
  0x0e: [21, 37],
  0x0f: [6],
  0x10: [5],
};

describe("spec table", () => {
  it("has the 17 assigned types 0x00..0x10 and nothing else", () => {
    expect(MESSAGES.map((m) => m.code)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(Object.keys(TYPE_NAMES)).toHaveLength(17);
    for (let c = 0x11; c <= 0x1f; c++) expect(messageSpec(c)).toBeUndefined();
  });

  it("accepts exactly the header lengths of WIRE.md section 3", () => {
    for (const m of MESSAGES) {
      const accepted = Array.from({ length: 40 }, (_, hl) => hl).filter((hl) => layoutForHeaderLength(m, hl));
      expect(accepted, `${m.name}: ${headerLengthRule(m)}`).toEqual(WIRE_HL[m.code]);
    }
  });

  it("puts the sender's form first", () => {
    for (const m of MESSAGES) expect(m.layouts[0]!.variant).toBeUndefined();
    expect(layoutHeaderLength(messageSpec(0x0a)!.layouts[0]!)).toBe(7);
  });

  it("declares the header bit masks of WIRE.md section 2", () => {
    expect([HEADER_FIELDS.type.mask, HEADER_FIELDS.reserved.mask, HEADER_FIELDS.seq.mask, HEADER_FIELDS.ack.mask]).toEqual([
      0xf8, 0x04, 0x02, 0x01,
    ]);
  });

  it("names every field of WIRE.md section 7", () => {
    const names =
      "imp.type imp.reserved imp.seq imp.ack imp.src imp.group imp.hlen imp.username imp.client_id imp.error imp.mode imp.padding imp.new_group imp.invite_group imp.invitee imp.invitees imp.data_len imp.data imp.entry imp.entry.username imp.entry.client_id imp.entry.group imp.entry.ip imp.entry.port".split(
        " ",
      );
    for (const n of names) expect(FIELDS_BY_ABBREV.has(n), n).toBe(true);
  });

  it("says which message acknowledges which", () => {
    expect(messageSpec(0x00)!.ackedBy).toEqual({ kind: "implicit", by: [0x01, 0x02] });
    expect(messageSpec(0x03)!.ackedBy).toEqual({ kind: "implicit", by: [0x04] });
    expect(messageSpec(0x02)!.ackedBy).toEqual({ kind: "none" });
    expect(messageSpec(0x04)!.answers).toEqual([0x03]);
  });
});
