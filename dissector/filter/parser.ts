/**
 * Recursive-descent parser of the display-filter language into a syntax tree. Names and
 * literals stay uninterpreted words here; `compile.ts` resolves them against a field registry.
 *
 * Grammar (precedence from loosest to tightest: or, xor, and, not):
 * ```
 * filter   := [ or ] END
 * or       := xor { ("or" | "||") xor }
 * xor      := and { ("xor" | "^^") and }
 * and      := not { ("and" | "&&") not }
 * not      := ("not" | "!") not | primary
 * primary  := "(" or ")" | test
 * test     := [ "any" | "all" ] operand [ relop operand | [ "not" ] "in" set ]
 * relop    := "==" | "eq" | "any_eq" | "!=" | "ne" | "all_ne" | "===" | "all_eq"
 *           | "!==" | "~=" | "any_ne" | "<" | "lt" | ">" | "gt" | "<=" | "le" | ">=" | "ge"
 *           | "contains" | "matches" | "~"
 * set      := "{" member { [","] member } "}"
 * member   := operand [ ".." operand ]
 * operand  := WORD | STRING | ("count" | "len") "(" WORD ")"
 * ```
 */
import { fail } from "./errors.js";
import { tokenize, type Token } from "./lexer.js";

export type Relation = "eq" | "ne" | "lt" | "gt" | "le" | "ge" | "contains" | "matches";
export type Quantifier = "any" | "all";

export type Operand =
  | { readonly kind: "word"; readonly text: string; readonly pos: number; readonly len: number }
  | { readonly kind: "string"; readonly text: string; readonly pos: number; readonly len: number }
  | { readonly kind: "call"; readonly fn: "count" | "len"; readonly arg: Operand; readonly pos: number; readonly len: number };

export interface SetMember {
  readonly lo: Operand;
  readonly hi?: Operand;
}

export type Expr =
  | { readonly kind: "or" | "xor" | "and"; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "not"; readonly expr: Expr }
  | { readonly kind: "present"; readonly operand: Operand; readonly quant?: Token }
  | {
      readonly kind: "compare";
      readonly rel: Relation;
      readonly quant: Quantifier;
      readonly lhs: Operand;
      readonly rhs: Operand;
      readonly op: Token;
    }
  | {
      readonly kind: "in";
      readonly negated: boolean;
      readonly quant: Quantifier;
      readonly lhs: Operand;
      readonly members: readonly SetMember[];
      readonly op: Token;
    };

/** Relation and default quantifier of each comparison operator, symbols and words alike. */
const RELATIONS: Readonly<Record<string, readonly [Relation, Quantifier]>> = {
  "==": ["eq", "any"],
  eq: ["eq", "any"],
  any_eq: ["eq", "any"],
  "===": ["eq", "all"],
  all_eq: ["eq", "all"],
  "!=": ["ne", "all"],
  ne: ["ne", "all"],
  all_ne: ["ne", "all"],
  "!==": ["ne", "any"],
  "~=": ["ne", "any"],
  any_ne: ["ne", "any"],
  "<": ["lt", "any"],
  lt: ["lt", "any"],
  ">": ["gt", "any"],
  gt: ["gt", "any"],
  "<=": ["le", "any"],
  le: ["le", "any"],
  ">=": ["ge", "any"],
  ge: ["ge", "any"],
  contains: ["contains", "any"],
  matches: ["matches", "any"],
  "~": ["matches", "any"],
};

const KEYWORDS = new Set(["and", "or", "xor", "not", "in", ...Object.keys(RELATIONS).filter((k) => /^[a-z_]+$/.test(k))]);

/** A word token spelled as this keyword (lower or upper case: `and`, `AND`). */
function isKeyword(t: Token, kw: string): boolean {
  return t.kind === "word" && (t.text === kw || t.text === kw.toUpperCase());
}

function keywordOf(t: Token): string | undefined {
  if (t.kind !== "word") return undefined;
  const lower = t.text === t.text.toUpperCase() ? t.text.toLowerCase() : t.text;
  return KEYWORDS.has(lower) ? lower : undefined;
}

function relationOf(t: Token): readonly [Relation, Quantifier] | undefined {
  if (t.kind === "op") return RELATIONS[t.text];
  const kw = keywordOf(t);
  return kw !== undefined ? RELATIONS[kw] : undefined;
}

function describe(t: Token): string {
  return t.kind === "end" ? "the end of the filter" : t.kind === "string" ? "a string" : `"${t.text}"`;
}

/** Parses a filter; an empty (blank) filter gives `null`. Throws `FilterSyntaxError`. */
export function parseFilter(text: string): Expr | null {
  const p = new Parser(tokenize(text));
  if (p.peek().kind === "end") return null;
  const e = p.parseOr();
  p.expectEnd();
  return e;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== "end") this.i++;
    return t;
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind === "end") return;
    if (t.kind === ")") fail('Unmatched ")"', t.pos);
    this.unexpected(t, '"and", "or" or the end of the filter');
  }

  private unexpected(t: Token, expected: string): never {
    const prev = this.tokens[this.i - 1];
    if (
      t.kind === "word" &&
      prev?.kind === "word" &&
      !t.text.includes(".") &&
      keywordOf(t) === undefined &&
      keywordOf(prev) === undefined
    ) {
      fail(`Unexpected "${t.text}": a value with spaces must be quoted ("${prev.text} ${t.text}")`, t.pos, t.len);
    }
    if (t.kind === "end") fail(`Unexpected end of filter: expected ${expected}`, t.pos);
    fail(`Unexpected ${describe(t)}: expected ${expected}`, t.pos, t.len);
  }

  parseOr(): Expr {
    let left = this.parseXor();
    for (let t = this.peek(); isKeyword(t, "or") || (t.kind === "op" && t.text === "||"); t = this.peek()) {
      this.next();
      left = { kind: "or", left, right: this.parseXor() };
    }
    return left;
  }

  private parseXor(): Expr {
    let left = this.parseAnd();
    for (let t = this.peek(); isKeyword(t, "xor") || (t.kind === "op" && t.text === "^^"); t = this.peek()) {
      this.next();
      left = { kind: "xor", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    for (let t = this.peek(); isKeyword(t, "and") || (t.kind === "op" && t.text === "&&"); t = this.peek()) {
      this.next();
      left = { kind: "and", left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Expr {
    const t = this.peek();
    if ((isKeyword(t, "not") && !isKeyword(this.peek(1), "in")) || (t.kind === "op" && t.text === "!")) {
      this.next();
      return { kind: "not", expr: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    if (t.kind === "(") {
      this.next();
      if (++this.depth > 200) fail("Filter nested too deeply", t.pos);
      const e = this.parseOr();
      const close = this.peek();
      if (close.kind === "end") fail('Unmatched "(": missing ")"', t.pos);
      if (close.kind !== ")") this.unexpected(close, '"and", "or" or ")"');
      this.next();
      this.depth--;
      return e;
    }
    return this.parseTest();
  }

  private parseTest(): Expr {
    let quant: Token | undefined;
    const q = this.peek();
    if ((isKeyword(q, "any") || isKeyword(q, "all")) && (this.peek(1).kind === "word" || this.peek(1).kind === "(")) {
      quant = this.next();
    }
    const lhs = this.parseOperand("a field");
    const t = this.peek();
    const rel = relationOf(t);
    if (rel) {
      this.next();
      const rhs = this.parseOperand(`a value after "${t.text}"`);
      return { kind: "compare", rel: rel[0], quant: quant ? (quant.text.toLowerCase() as Quantifier) : rel[1], lhs, rhs, op: t };
    }
    const negated = isKeyword(t, "not") && isKeyword(this.peek(1), "in");
    if (negated || isKeyword(t, "in")) {
      if (negated) this.next();
      const op = this.next();
      return { kind: "in", negated, quant: quant ? (quant.text.toLowerCase() as Quantifier) : "any", lhs, members: this.parseSet(op), op };
    }
    if (quant) this.unexpected(t, `a comparison after "${quant.text}"`);
    return { kind: "present", operand: lhs };
  }

  private parseSet(op: Token): SetMember[] {
    const open = this.peek();
    if (open.kind !== "{") this.unexpected(open, `"{" after "${op.text}"`);
    this.next();
    const members: SetMember[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "}") {
        if (members.length === 0) fail("Empty set: expected values between { and }", open.pos, t.pos + 1 - open.pos);
        this.next();
        return members;
      }
      if (t.kind === "end") fail('Unterminated set: missing "}"', open.pos);
      if (members.length > 0 && t.kind === ",") {
        this.next();
        continue;
      }
      const lo = this.parseOperand("a value in the set");
      if (this.peek().kind === "..") {
        this.next();
        members.push({ lo, hi: this.parseOperand('a value after ".."') });
      } else {
        members.push({ lo });
      }
    }
  }

  private parseOperand(what: string): Operand {
    const t = this.peek();
    if (t.kind === "string") {
      this.next();
      return { kind: "string", text: t.text, pos: t.pos, len: t.len };
    }
    if (t.kind === "word" && keywordOf(t) === undefined) {
      this.next();
      if ((t.text === "count" || t.text === "len") && this.peek().kind === "(") {
        this.next();
        const arg = this.parseOperand(`a field in ${t.text}()`);
        const close = this.peek();
        if (close.kind !== ")") this.unexpected(close, `")" to close ${t.text}(`);
        this.next();
        return { kind: "call", fn: t.text, arg, pos: t.pos, len: close.pos + 1 - t.pos };
      }
      return { kind: "word", text: t.text, pos: t.pos, len: t.len };
    }
    this.unexpected(t, what);
  }
}
