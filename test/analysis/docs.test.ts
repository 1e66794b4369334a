import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ANALYSIS_EXPERTS, ANALYSIS_FIELDS, percentiles } from "../../dissector/analysis/index.js";

const readme = readFileSync(new URL("../../dissector/analysis/README.md", import.meta.url), "utf8");

describe("the analysis README", () => {
  it("lists every field and expert item of fields.ts with its type or severity", () => {
    for (const f of Object.values(ANALYSIS_FIELDS)) {
      expect(readme).toContain(`| \`${f.abbrev}\` | ${f.type} | ${f.pass === "first" ? "first pass" : "later frames"} | ${f.label} |`);
    }
    for (const e of Object.values(ANALYSIS_EXPERTS)) {
      expect(readme).toContain(`| \`${e.id}\` | ${e.category} | ${e.severity} |`);
    }
    const rows = readme.split("\n").filter((l) => l.startsWith("| `imp.analysis."));
    expect(rows).toHaveLength(Object.keys(ANALYSIS_FIELDS).length + Object.keys(ANALYSIS_EXPERTS).length);
  });
});

describe("percentiles", () => {
  it("nearest rank", () => {
    expect(percentiles([5, 1, 4, 2, 3], [0, 50, 80, 100])).toEqual([1, 3, 4, 5]);
    expect(percentiles([], [50])[0]).toBeNaN();
  });
});
