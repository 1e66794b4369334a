import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOC_TABLES, regenerateDoc } from "../../src/protocol/doc-tables.js";
import { MESSAGES } from "../../src/protocol/messages.js";
import { scenariosTable } from "../../src/scenario/doc-table.js";
import { SCENARIOS } from "../../src/scenario/scenarios.js";

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");

describe("generated documentation (run `npm run docs` after changing the tables)", () => {
  it("docs/PROTOCOL.md matches the spec table", () => {
    const doc = read("docs/PROTOCOL.md");
    expect(regenerateDoc(doc, DOC_TABLES)).toBe(doc);
    for (const m of MESSAGES) expect(doc).toContain(`| ${m.name} |`);
  });

  it("captures/README.md lists every scenario, and every scenario has its capture", () => {
    const doc = read("captures/README.md");
    expect(regenerateDoc(doc, { scenarios: scenariosTable })).toBe(doc);
    for (const s of SCENARIOS) expect(readFileSync(new URL(`../../captures/${s.name}.pcapng`, import.meta.url)).length).toBeGreaterThan(0);
  });
});
