import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decode, encode, type ImpMessage } from "../../src/codec/index.js";

interface Vector {
  name: string;
  hex: string;
  fields: Record<string, unknown>;
  problems: string[];
}

// Made by an independent encoder, copied from the project's shared spec folder (see its README).
const vectors: Vector[] = JSON.parse(readFileSync(new URL("../fixtures/spec/vectors.json", import.meta.url), "utf8"));

/** The decoded message as the vectors key it: option fields without raw payload and padding. */
function vectorFields(m: ImpMessage): Record<string, unknown> {
  const { payload: _payload, padding: _padding, pad: _pad, ...rest } = m;
  return rest;
}

describe("test/fixtures/spec/vectors.json (independent encoder)", () => {
  it("has vectors to check", () => {
    expect(vectors.length).toBeGreaterThan(20);
  });

  for (const v of vectors) {
    it(v.name, () => {
      const bytes = Buffer.from(v.hex, "hex");
      const d = decode(bytes);
      if (d.message === null) {
        expect(v.fields).toEqual({ length: d.length });
      } else {
        expect(vectorFields(d.message)).toEqual(v.fields);
      }
      const expectedCategories = [...new Set(v.problems.map((p) => p.split(":")[0]))].sort();
      const gotCategories = [...new Set(d.problems.map((p) => p.category))].sort();
      expect(gotCategories, JSON.stringify(d.problems)).toEqual(expectedCategories);
      // Every problem names the bytes it concerns, inside the datagram.
      for (const p of d.problems) {
        expect(p.offset + p.length).toBeLessThanOrEqual(bytes.length);
        expect(p.text.length).toBeGreaterThan(0);
      }
      if (v.problems.length === 0) {
        expect(encode(d.message!).toString("hex")).toBe(v.hex);
      }
    });
  }
});
