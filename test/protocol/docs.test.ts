import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { regenerateDoc } from "../../src/protocol/doc-tables.js";
import { MESSAGES } from "../../src/protocol/messages.js";

const doc = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");

describe("docs/PROTOCOL.md", () => {
  it("matches the spec table (run `npm run docs` after changing src/protocol)", () => {
    expect(regenerateDoc(doc)).toBe(doc);
  });

  it("names every message type", () => {
    for (const m of MESSAGES) expect(doc).toContain(`| ${m.name} |`);
  });
});
