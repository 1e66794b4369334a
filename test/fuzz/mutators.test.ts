/**
 * Mutators are derived from the spec table: interesting values per field, Header Length and
 * Data Length lies, username cases; mutations are plain records applied at the offsets the
 * table gives; generated cases record what made them.
 */
import { describe, expect, it } from "vitest";
import { decode } from "../../src/codec/index.js";
import { HEADER_FIELDS, MESSAGES, MSG, OPTION_FIELDS, messageSpec } from "../../src/protocol/index.js";
import { build, fieldAt, SHAPE_CONTEXT, optionOffsets } from "../../fuzz/mutators/mutations.js";
import { headerLengthValues, interestingValues, USERNAME_CASES, FLAG_FIELDS } from "../../fuzz/mutators/values.js";
import { templateFor } from "../../fuzz/mutators/template.js";
import { availableStates, generateCase } from "../../fuzz/campaign/generate.js";

describe("interesting values from the table", () => {
  it("Type: every assigned and reserved code", () => {
    const v = interestingValues(HEADER_FIELDS.type);
    for (let code = 0; code < 32; code++) expect(v).toContain(code);
  });
  it("Source ID: 0, 255, own, another client's, unknown", () => {
    expect(interestingValues(HEADER_FIELDS.src)).toEqual(expect.arrayContaining([0, 1, 255, "own", "other", "third", "unknown"]));
  });
  it("Group ID: 0, 1, own, another's, 254, 255", () => {
    expect(interestingValues(HEADER_FIELDS.group)).toEqual(expect.arrayContaining([0, 1, 2, 254, 255, "ownGroup", "otherGroup"]));
  });
  it("R/S/A are the one-bit fields of byte 0", () => {
    expect(FLAG_FIELDS.map((f) => f.name).sort()).toEqual(["ack", "reserved", "seq"]);
  });
  it("Header Length: 0..4, exact +/- 1, variants, the datagram length, beyond it, 0xFFFF", () => {
    const v = headerLengthValues(messageSpec(MSG.inviteAccept));
    expect(v).toEqual(expect.arrayContaining([0, 1, 2, 3, 4, 7, 8, 0xffff, "exact-1", "exact+1", "dgram", "dgram+1"]));
    expect(headerLengthValues(messageSpec(MSG.createRequest))).toEqual(expect.arrayContaining([6, 7, 8]));
  });
  it("options: mode and padding bits, IdClass edges of option IDs", () => {
    expect(interestingValues(OPTION_FIELDS.mode)).toEqual(expect.arrayContaining([0, 1]));
    expect(interestingValues(OPTION_FIELDS.padding)).toEqual(expect.arrayContaining([0, 1, 0x7f]));
    expect(interestingValues(OPTION_FIELDS.invite_group)).toEqual(expect.arrayContaining([1, 2, 254, 255, "ownGroup"]));
  });
  it("usernames: empty, 8 bytes, with NUL, space or non-ASCII inside", () => {
    const labels = USERNAME_CASES.map((u) => u.label);
    expect(labels).toEqual(expect.arrayContaining(["empty", "8 bytes", "NUL inside", "space inside", "non-ASCII"]));
    for (const u of USERNAME_CASES) expect(Buffer.from(u.hex, "hex")).toHaveLength(8);
  });
});

describe("mutations", () => {
  const list = templateFor(messageSpec(MSG.listRequest)!);
  const ctx = { ...SHAPE_CONTEXT, own: 9 };

  it("well-formed templates of every type encode without a problem", () => {
    for (const spec of MESSAGES) {
      const bytes = build(templateFor(spec, 1), 1, SHAPE_CONTEXT, []);
      expect(decode(bytes).problems.filter((p) => p.category === "malformed")).toEqual([]);
    }
  });
  it("field, flags and length mutations patch the bytes the table locates", () => {
    expect(build(list, 0, ctx, [])[1]).toBe(9);
    expect(decode(build(list, 0, ctx, [{ kind: "field", field: "hlen", value: 3 }])).message!.hlen).toBe(3);
    expect(decode(build(list, 0, ctx, [{ kind: "field", field: "hlen", value: "exact+1" }])).message!.hlen).toBe(6);
    expect(decode(build(list, 0, ctx, [{ kind: "field", field: "src", value: "unknown" }])).message!.src).toBe(200);
    const flags = decode(build(list, 0, ctx, [{ kind: "flags", field: "reserved+seq+ack", value: 7 }])).message!;
    expect([flags.reserved, flags.seq, flags.ack]).toEqual([1, 1, 1]);
    const data = templateFor(messageSpec(MSG.data)!, 1);
    expect(decode(build(data, 0, ctx, [{ kind: "field", field: "data_len", value: "payload+1" }])).problems.map((p) => p.id)).toContain(
      "imp.malformed.data_len",
    );
    const conn = templateFor(messageSpec(MSG.connRequest)!);
    const nul = USERNAME_CASES.find((u) => u.label === "NUL inside")!;
    expect(decode(build(conn, 1, ctx, [{ kind: "username", field: "username", value: nul.hex }])).problems.map((p) => p.id)).toContain(
      "imp.protocol.username",
    );
    expect(build(list, 0, ctx, [{ kind: "truncate", field: "options", value: 2 }])).toHaveLength(3);
  });
  it("byte mutations name the field they hit", () => {
    const layout = decode(build(templateFor(messageSpec(MSG.inviteRequest)!), 1, ctx, [])).layout!;
    expect(fieldAt(layout, 8, 0, 7)).toBe("type");
    expect(fieldAt(layout, 8, 0, 0)).toBe("ack");
    expect(fieldAt(layout, 8, 4)).toBe("hlen");
    expect(fieldAt(layout, 8, optionOffsets(layout).get("invitee")!.offset)).toBe("invitee");
  });
  it("every generated case records the mutations that made it", () => {
    for (let i = 0; i < 200; i++) {
      const c = generateCase(1, i, { stateful: true, states: availableStates(true), direction: "C→S" });
      expect(c.steps.some((s) => s.mutations.length > 0)).toBe(true);
      for (const s of c.steps) for (const m of s.mutations) expect(typeof m.field).toBe("string");
    }
  });
});
