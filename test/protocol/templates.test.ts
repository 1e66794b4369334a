/**
 * The templates of the tables: problem sentences, Info columns, list entries. Each names only
 * what it is given, and fills the way the codec and the Lua export both rely on.
 */
import { describe, expect, it } from "vitest";
import { ENTRY_FIELDS, HEADER_FIELDS, OPTION_FIELDS } from "../../src/protocol/fields.js";
import { MESSAGES } from "../../src/protocol/messages.js";
import { PROBLEM_FORMATS, PROBLEMS, problemText, type ProblemKey } from "../../src/protocol/problems.js";
import { templateNames, templateParts } from "../../src/protocol/template.js";

describe("templates", () => {
  it("split into literals and {name} or {name:format} parts", () => {
    expect(templateParts("a {x} b {y:s}")).toEqual(["a ", { name: "x", format: "" }, " b ", { name: "y", format: "s" }]);
    expect(templateParts("{x}{y}")).toEqual([
      { name: "x", format: "" },
      { name: "y", format: "" },
    ]);
    expect(templateParts("none")).toEqual(["none"]);
  });

  it("problem sentences use known formats and fill plural and hex values", () => {
    for (const p of Object.values(PROBLEMS)) {
      for (const t of [p.text, ...Object.values(("variants" in p ? p.variants : undefined) ?? {})]) {
        for (const part of templateParts(t))
          if (typeof part !== "string") expect(PROBLEM_FORMATS[part.format], `${p.id}: ${t}`).toBeDefined();
      }
    }
    expect(problemText("short", { length: 1, header: 5 })).toBe("Datagram of 1 byte is shorter than the 5-byte header");
    expect(problemText("short", { length: 3, header: 5 })).toBe("Datagram of 3 bytes is shorter than the 5-byte header");
    expect(problemText("unknownType", { type: 0x15 })).toBe("Type 0x15 is reserved");
    expect(problemText("dataLen", { dataLen: 4, available: 6, extra: 2 }, "extra")).toBe("Data Length 4 but 6 payload bytes (2 extra)");
    expect(() => problemText("short" as ProblemKey, {}, "nope")).toThrow(/no sentence nope/);
  });

  it("Info templates name header and option fields; entry templates name entry fields", () => {
    const fields = new Set([...Object.keys(HEADER_FIELDS), ...Object.keys(OPTION_FIELDS)]);
    for (const m of MESSAGES) for (const n of templateNames(m.info)) expect(fields.has(n), `${m.name}: {${n}}`).toBe(true);
    const entry = new Set(Object.keys(ENTRY_FIELDS));
    for (const t of [OPTION_FIELDS.entry.itemText, OPTION_FIELDS.entry.itemInfo])
      for (const n of templateNames(t)) expect(entry.has(n), t).toBe(true);
  });
});
