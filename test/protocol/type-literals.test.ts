/**
 * No type code written as a number outside src/protocol/: the code says `MSG.data`, the table
 * says 0x05. The sources of src/, dissector/, fuzz/ and bench/ are parsed (TypeScript's own
 * parser: comments and strings never match) and these forms are reported:
 * - a number in the Type field's range compared with, or cased on, something named `type` or
 *   `...Type` (`m.type === 5`, `case 0x07:` under `switch (m.type)`, `sideType[r] !== 0`);
 * - `type: <number>` in an object that also names a header field (a message literal);
 * - a type-taking function of the protocol called with a number (`messageSpec(9)`);
 * - the Type read by hand from the header's first byte (`bytes[0] >>> 3`), outside bench/ (whose
 *   baselines read raw bytes on purpose: they are the floor a decoder is measured against).
 * The scanner is tested on snippets that must and must not be reported, so it can fail.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { HEADER_FIELDS, maskShift } from "../../src/protocol/fields.js";
import { HEADER_OFFSETS, fieldMax } from "../../src/protocol/layout.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const SCANNED = ["src", "dissector", "fuzz", "bench"];
const EXEMPT = "src/protocol/";

/** The Type field's values, its container and shift, and the header field names, from the table. */
const TYPE_MAX = fieldMax(HEADER_FIELDS.type);
const TYPE_OFFSET = HEADER_OFFSETS.type;
const TYPE_SHIFT = maskShift(HEADER_FIELDS.type.mask);
const HEADER_NAMES = new Set(Object.keys(HEADER_FIELDS).filter((k) => k !== "type"));
const TYPE_FUNCTIONS = new Set(["messageSpec", "typeName", "templateFor"]);
const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
]);

/** The name an expression ends in: `m.type` -> type, `C.sideType[r]!` -> sideType. */
function nameOf(e: ts.Expression): string | undefined {
  if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) return nameOf(e.expression);
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isElementAccessExpression(e)) return nameOf(e.expression);
  return undefined;
}

const isTypeName = (name: string | undefined) => name !== undefined && (name === "type" || /[a-z]Type$/.test(name));

/** A literal in the Type field's range (0..31). */
function typeLiteral(e: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(e)) return typeLiteral(e.expression);
  if (!ts.isNumericLiteral(e)) return false;
  const v = Number(e.text);
  return Number.isInteger(v) && v >= 0 && v <= TYPE_MAX;
}

function numericValue(e: ts.Expression): number | undefined {
  if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) return numericValue(e.expression);
  return ts.isNumericLiteral(e) ? Number(e.text) : undefined;
}

/** Every place a type code is written as a number in this source, as `line: text`. */
function typeLiterals(source: string, file = "snippet.ts", handReads = true): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const report = (n: ts.Node, why: string) => {
    const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    found.push(`${line}: ${why}: ${n.getText(sf).replace(/\s+/g, " ").slice(0, 80)}`);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && COMPARISONS.has(n.operatorToken.kind)) {
      if ((typeLiteral(n.right) && isTypeName(nameOf(n.left))) || (typeLiteral(n.left) && isTypeName(nameOf(n.right)))) {
        report(n, "type compared with a number");
      }
    }
    if (ts.isSwitchStatement(n) && isTypeName(nameOf(n.expression))) {
      for (const c of n.caseBlock.clauses) if (ts.isCaseClause(c) && typeLiteral(c.expression)) report(c.expression, "case on a type code");
    }
    if (ts.isObjectLiteralExpression(n)) {
      const props = n.properties.filter(ts.isPropertyAssignment);
      const typeProp = props.find((p) => p.name.getText(sf) === "type" && typeLiteral(p.initializer));
      if (typeProp && props.some((p) => HEADER_NAMES.has(p.name.getText(sf)))) report(typeProp, "message literal with a numeric type");
    }
    if (ts.isCallExpression(n) && TYPE_FUNCTIONS.has(nameOf(n.expression) ?? "") && n.arguments[0] && typeLiteral(n.arguments[0])) {
      report(n, "type-taking function called with a number");
    }
    if (
      handReads &&
      ts.isBinaryExpression(n) &&
      (n.operatorToken.kind === ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken ||
        n.operatorToken.kind === ts.SyntaxKind.GreaterThanGreaterThanToken)
    ) {
      const left = ts.isNonNullExpression(n.left) ? n.left.expression : n.left;
      if (
        numericValue(n.right) === TYPE_SHIFT &&
        ts.isElementAccessExpression(left) &&
        numericValue(left.argumentExpression) === TYPE_OFFSET
      ) {
        report(n, "Type read by hand from the header");
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(path));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

describe("type codes", () => {
  it("the scanner reports each form of a type code written as a number", () => {
    const bad = [
      "if (m.type === 5) x();",
      "if (0x07 !== msg.type) x();",
      "const past = type > 0x02;",
      "if (this.convs.sideType[r]! === 0x00) x();",
      "switch (m.type) { case 0x0a: break; }",
      "encode({ type: 5, seq: 1, src: 2 });",
      "const s = messageSpec(0x09);",
      "const t = bytes[0]! >>> 3;",
      "const t = (b[0] >> 3) & 31;",
    ];
    for (const code of bad) expect(typeLiterals(code), code).toHaveLength(1);
  });

  it("the scanner leaves numbers that are no type codes alone", () => {
    const good = [
      "if (m.type === MSG.data) x();",
      "switch (m.type) { case MSG.connRequest: break; }",
      "if (etherType === 0x8100) x();",
      "if (m.type === 0x25) x();", // out of the Type field's range
      "const widths = { no: 7, time: 11, ep: 21, type: 12 };",
      'if (left.type === "string") x();',
      'const s = "imp.type == 5"; // m.type === 5',
      "if (code === 0) x();",
      "const version = bytes[0]! >> 4;",
      "const t = bytes[1]! >>> 3;",
      "switch (magic) { case 0x0a: break; }",
    ];
    for (const code of good) expect(typeLiterals(code), code).toEqual([]);
  });

  it("are written as MSG.* everywhere outside src/protocol/", () => {
    const hits: string[] = [];
    for (const dir of SCANNED) {
      for (const file of sources(join(ROOT, dir))) {
        const rel = relative(ROOT, file);
        if (rel.startsWith(EXEMPT)) continue;
        for (const h of typeLiterals(readFileSync(file, "utf8"), rel, !rel.startsWith("bench/"))) hits.push(`${rel}:${h}`);
      }
    }
    expect(hits, "write MSG.<name> (src/protocol/type-codes.ts) instead").toEqual([]);
  });
});
