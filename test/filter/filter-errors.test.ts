import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFilter, formatFilterError } from "../../dissector/filter/index.js";

/** Bad filter -> 1-based column and a fragment of the message. */
const BAD: readonly (readonly [string, number, string])[] = [
  ["imp.foo == 1", 1, '"imp.foo" is neither a field nor a protocol name'],
  ["imp.foo", 1, "neither a field nor a protocol"],
  ["imp.type == 5 or bogus", 18, '"bogus" is neither a field'],
  ['imp.src contains "x"', 9, 'cannot be used with "contains"'],
  ['imp.analysis.ack_rtt matches "x"', 22, "only strings"],
  ['imp.type == "No Such Type"', 13, '"No Such Type" is not a valid value for imp.type'],
  ["imp.mode == Decentral", 13, "not a valid value for imp.mode"],
  ['frame.number > "abc"', 16, '"abc" is not a valid number for frame.number'],
  ["frame.time_relative > abc", 23, "not a valid number"],
  ["imp.type == Data Message", 18, "must be quoted"],
  ["(imp.type == 1", 1, 'Unmatched "("'],
  ["imp.type == 1)", 14, 'Unmatched ")"'],
  ["(imp.type == 1 imp.ack)", 16, 'expected "and", "or" or ")"'],
  ["imp.type == 5 imp.ack", 15, 'Unexpected "imp.ack"'],
  ["imp.type = 1", 10, 'did you mean "=="'],
  ["imp.src & 1", 9, 'did you mean "&&"'],
  ["imp.src | 1", 9, 'did you mean "||"'],
  ["imp.type $ 5", 10, 'Unexpected character "$"'],
  ["imp.type ==", 12, "Unexpected end of filter"],
  ["imp.type == 5 &&", 17, "Unexpected end of filter"],
  ["imp.type == 5 and or imp.ack", 19, 'Unexpected "or"'],
  ["imp.group == 300", 14, "too big for imp.group (maximum 255)"],
  ["imp.type == 32", 13, "too big for imp.type (maximum 31)"],
  ["udp.port == 70000", 13, "too big"],
  ["imp.src == -1", 12, "too small"],
  ["imp.src == 1.5", 12, "not an integer"],
  ["ip.addr == 1.2.3.400", 12, "not a valid IPv4 address"],
  ["ip.addr == 10.0.0.0/33", 12, "prefix length"],
  ["ip.addr > 10.0.0.0/8", 11, "CIDR"],
  ['imp.data matches "a("', 18, "Invalid regular expression"],
  ['imp.data matches "(?x)a"', 18, "Unsupported regular expression flag"],
  ["imp.entry == 1", 1, "only be tested for presence"],
  ["imp == 1", 1, "only be tested for presence"],
  ["imp.analysis == 1", 1, "group of fields"],
  ["imp.type in {}", 13, "Empty set"],
  ["imp.type in {5..1}", 14, "Empty range"],
  ["imp.type in {1 2", 13, 'missing "}"'],
  ["imp.type in 5", 13, '"{"'],
  ['imp.username in {"a".."c"}', 18, "Ranges"],
  ['"abc"', 1, "string cannot be a test"],
  ["5", 1, "is a value, not a field"],
  ['imp.username == "a\\q"', 19, 'Invalid escape sequence "\\q"'],
  ['imp.username == "\\x6"', 18, "hex digits"],
  ['imp.username == "abc', 17, "Unterminated string"],
  ["imp.username == 'abc'", 17, "double quotes"],
  ["len(imp.src) > 1", 1, "len() needs a string field"],
  ["count(imp.entry)", 1, "compare it"],
  ["count(imp.nothing) == 1", 7, "neither a field"],
  ["ip.src == imp.username", 11, "cannot be compared"],
  ["imp.username == frame", 17, 'quote it ("frame")'],
  ["any imp.src", 12, 'a comparison after "any"'],
  ["not", 4, "Unexpected end of filter"],
  ["()", 2, 'Unexpected ")"'],
];

describe("bad filters", () => {
  for (const [text, column, fragment] of BAD) {
    it(JSON.stringify(text), () => {
      const c = compileFilter(text);
      expect(c.ok).toBe(false);
      if (c.ok) return;
      expect(c.error.message).toContain(fragment);
      expect(c.error.column).toBe(column);
      expect(c.error.length).toBeGreaterThanOrEqual(1);
    });
  }
});

describe("formatFilterError", () => {
  it("puts a caret line under the column, tilde over the length", () => {
    const text = "imp.type == 5 && imp.foo";
    const c = compileFilter(text);
    if (c.ok) throw new Error("should not compile");
    expect(formatFilterError(text, c.error)).toBe(
      'imp.type == 5 && imp.foo\n                 ^~~~~~~ "imp.foo" is neither a field nor a protocol name',
    );
  });

  it("points past the end for a filter cut short", () => {
    const c = compileFilter("imp.type ==");
    if (c.ok) throw new Error("should not compile");
    expect(formatFilterError("imp.type ==", c.error).split("\n")[1]).toBe(
      '           ^ Unexpected end of filter: expected a value after "=="',
    );
  });

  it("keeps tabs so the caret lines up", () => {
    expect(formatFilterError("\timp.x", { message: "m", column: 2, length: 5 })).toBe("\timp.x\n\t^~~~~ m");
  });
});

describe("compileFilter never throws", () => {
  const pieces = [
    "imp",
    "imp.type",
    "ip.addr",
    "udp.port",
    "imp.username",
    "imp.entry",
    "imp.analysis",
    "frame.time_relative",
    "==",
    "!=",
    "===",
    "~=",
    "<",
    ">=",
    "contains",
    "matches",
    "~",
    "in",
    "not",
    "!",
    "and",
    "&&",
    "or",
    "||",
    "xor",
    "(",
    ")",
    "{",
    "}",
    "..",
    ",",
    '"',
    '"x"',
    "\\",
    "5",
    "0x1f",
    "1.5",
    "-1",
    "10.0.0.0/8",
    "Data",
    '"Data Message"',
    "count(",
    "len(",
    "all",
    "any",
    " ",
    "=",
    "&",
    "$",
    "é",
    "\t",
  ];
  it("on arbitrary text, and every error points inside the text or just past it", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((a) => a.join(" ")),
        ),
        (text) => {
          const c = compileFilter(text);
          if (!c.ok) {
            expect(c.error.message).not.toMatch(/^Internal/);
            expect(c.error.column).toBeGreaterThanOrEqual(1);
            expect(c.error.column).toBeLessThanOrEqual(text.length + 1);
            expect(c.error.length).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
