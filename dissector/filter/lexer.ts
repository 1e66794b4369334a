/** Tokens of the display-filter language. */
import { fail } from "./errors.js";

export type TokenKind =
  | "word" // field names, bare literals, keywords: `imp.type`, `127.0.0.1/8`, `0x05`, `and`
  | "string" // "quoted", escapes already applied
  | "op" // == != === !== ~= < > <= >= && || ^^ ! ~
  | "("
  | ")"
  | "{"
  | "}"
  | ","
  | ".."
  | "end";

export interface Token {
  readonly kind: TokenKind;
  /** Source text for words and operators; the unescaped value for strings. */
  readonly text: string;
  /** 0-based offset and length in the filter text. */
  readonly pos: number;
  readonly len: number;
}

const WORD = /[A-Za-z0-9_\-.:/]/;
const OPS = ["===", "!==", "==", "!=", "~=", "<=", ">=", "&&", "||", "^^", "<", ">", "!", "~"] as const;
const ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === "{" || c === "}" || c === ",") {
      tokens.push({ kind: c, text: c, pos: i, len: 1 });
      i++;
      continue;
    }
    if (c === '"') {
      i = readString(text, i, tokens);
      continue;
    }
    if (c === "." && text[i + 1] === ".") {
      tokens.push({ kind: "..", text: "..", pos: i, len: 2 });
      i += 2;
      continue;
    }
    if (WORD.test(c)) {
      const start = i;
      while (i < n && WORD.test(text[i]!) && !(text[i] === "." && text[i + 1] === ".")) i++;
      tokens.push({ kind: "word", text: text.slice(start, i), pos: start, len: i - start });
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: "op", text: op, pos: i, len: op.length });
      i += op.length;
      continue;
    }
    if (c === "=") fail('"=" is not an operator; did you mean "=="?', i);
    if (c === "&") fail('"&" is not an operator; did you mean "&&"?', i);
    if (c === "|") fail('"|" is not an operator; did you mean "||"?', i);
    if (c === "'") fail("Strings are written in double quotes", i);
    fail(`Unexpected character "${c}"`, i);
  }
  tokens.push({ kind: "end", text: "", pos: n, len: 1 });
  return tokens;
}

/** Reads a double-quoted string at `start`; returns the offset after its closing quote. */
function readString(text: string, start: number, tokens: Token[]): number {
  let i = start + 1;
  let value = "";
  for (;;) {
    if (i >= text.length) fail("Unterminated string: missing closing quote", start, text.length - start);
    const c = text[i]!;
    if (c === '"') break;
    if (c !== "\\") {
      value += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) fail("Unterminated string: missing closing quote", start, text.length - start);
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (e === "x" || e === "u" || e === "U") {
      const digits = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + digits);
      if (!new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(hex))
        fail(`Invalid escape "\\${e}": expected ${digits} hex digits`, i, 2 + hex.length);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) fail(`Invalid escape "\\${e}${hex}": beyond Unicode`, i, 2 + digits);
      value += String.fromCodePoint(cp);
      i += 2 + digits;
    } else if (e >= "0" && e <= "7") {
      const m = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4))![0];
      const cp = parseInt(m, 8);
      if (cp > 0xff) fail(`Invalid octal escape "\\${m}"`, i, 1 + m.length);
      value += String.fromCharCode(cp);
      i += 1 + m.length;
    } else {
      fail(`Invalid escape sequence "\\${e}"`, i, 2);
    }
  }
  tokens.push({ kind: "string", text: value, pos: start, len: i + 1 - start });
  return i + 1;
}
