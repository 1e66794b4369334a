/**
 * The display-filter compiler: syntax tree + field registry -> a tree of closures evaluated per
 * packet. All type checking (unknown fields, value names, literal syntax, operators a type does
 * not support) happens here, once; evaluation allocates nothing and never throws.
 */
import { FilterSyntaxError, fail, type FilterError } from "./errors.js";
import type { FilterPacket, FilterValue } from "./packet.js";
import { parseFilter, type Expr, type Operand, type Relation, type SetMember } from "./parser.js";
import { DEFAULT_REGISTRY, TYPE_TEXT, type FieldRegistry, type FilterField, type FilterFieldType } from "./registry.js";
import { parseIpv4 } from "../../src/codec/ipv4.js";

export { parseIpv4 };

export type Predicate = (packet: FilterPacket) => boolean;

export interface DisplayFilter {
  /** The filter text as given. */
  readonly text: string;
  /** A blank filter: matches every packet (like an empty `-Y` or filter bar). */
  readonly empty: boolean;
  /**
   * Every field name the filter may ask a packet for (sources of computed fields and members of
   * groups included), so a dissector can skip work nobody asked for (the analysis pass).
   */
  readonly fields: readonly string[];
  /** True when the packet passes. A plain function: `packets.filter(f.matches)` works. */
  readonly matches: Predicate;
}

export type CompiledFilter = { readonly ok: true; readonly filter: DisplayFilter } | { readonly ok: false; readonly error: FilterError };

/**
 * Compiles a display filter. Never throws: a bad filter gives `{ ok: false, error }` with the
 * 1-based column and length of the part in error (render it with `formatFilterError`).
 */
export function compileFilter(text: string, registry: FieldRegistry = DEFAULT_REGISTRY): CompiledFilter {
  try {
    const ast = parseFilter(text);
    if (ast === null) return { ok: true, filter: { text, empty: true, fields: [], matches: () => true } };
    const c = new Compiler(registry);
    const matches = c.expr(ast);
    return { ok: true, filter: { text, empty: false, fields: [...c.fields], matches } };
  } catch (e) {
    if (e instanceof FilterSyntaxError) {
      return { ok: false, error: { message: e.message, column: e.offset + 1, length: e.len } };
    }
    // A compiler bug must not take the filter bar down with it.
    return {
      ok: false,
      error: {
        message: `Internal filter error: ${e instanceof Error ? e.message : String(e)}`,
        column: 1,
        length: Math.max(1, text.length),
      },
    };
  }
}

type Test = (v: FilterValue) => boolean;

/** Something with occurrences in a packet: a field, a computed field, or a function of one. */
interface Source {
  /** Type of its values. */
  readonly type: FilterFieldType;
  /** The registry field, when the source is one (for value names and limits). */
  readonly field?: FilterField;
  /** How messages name it. */
  readonly name: string;
  /** Predicate: some occurrence passes `t`. */
  anyWith(t: Test): Predicate;
  /** Predicate: there is an occurrence and every occurrence passes `t`. */
  allWith(t: Test): Predicate;
}

// ---- value conversion (packet side; allocation-free) ----

function toNum(v: FilterValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v === "" ? NaN : Number(v);
}

function toStr(v: FilterValue): string {
  return typeof v === "string" ? v : String(v);
}

let lastIpText = "";
let lastIp = -1;

/** An IPv4 address as an unsigned 32-bit number, or -1 when it is none. */
function toIp(v: FilterValue): number {
  if (typeof v === "number") return v >>> 0 === v ? v : -1;
  if (typeof v !== "string") return -1;
  // Captures repeat a few addresses: remember the last one parsed.
  if (v !== lastIpText) {
    lastIp = parseIpv4(v);
    lastIpText = v;
  }
  return lastIp;
}

/** UTF-8 length of a string, as Wireshark's len() counts bytes. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

// ---- sources ----

function fieldSource(field: FilterField): Source {
  const names = field.sources ?? [field.abbrev];
  const base = { type: field.type, field, name: field.abbrev };
  if (names.length === 1) {
    const n = names[0]!;
    return {
      ...base,
      anyWith: (t) => (p) => {
        const vs = p.values(n);
        if (vs === undefined) return false;
        for (let i = 0; i < vs.length; i++) if (t(vs[i]!)) return true;
        return false;
      },
      allWith: (t) => (p) => {
        const vs = p.values(n);
        if (vs === undefined || vs.length === 0) return false;
        for (let i = 0; i < vs.length; i++) if (!t(vs[i]!)) return false;
        return true;
      },
    };
  }
  return {
    ...base,
    anyWith: (t) => (p) => {
      for (let j = 0; j < names.length; j++) {
        const vs = p.values(names[j]!);
        if (vs === undefined) continue;
        for (let i = 0; i < vs.length; i++) if (t(vs[i]!)) return true;
      }
      return false;
    },
    allWith: (t) => (p) => {
      let seen = 0;
      for (let j = 0; j < names.length; j++) {
        const vs = p.values(names[j]!);
        if (vs === undefined) continue;
        for (let i = 0; i < vs.length; i++) if (!t(vs[i]!)) return false;
        seen += vs.length;
      }
      return seen > 0;
    },
  };
}

/** Predicate: the packet has at least one occurrence of one of these fields. */
function presence(names: readonly string[]): Predicate {
  if (names.length === 1) {
    const n = names[0]!;
    return (p) => {
      const vs = p.values(n);
      return vs !== undefined && vs.length > 0;
    };
  }
  return (p) => {
    for (let j = 0; j < names.length; j++) {
      const vs = p.values(names[j]!);
      if (vs !== undefined && vs.length > 0) return true;
    }
    return false;
  };
}

/** count(field): one occurrence, the number of occurrences of the field (0 when absent). */
function countSource(field: FilterField): Source {
  const names = field.sources ?? [field.abbrev];
  const count = (p: FilterPacket): number => {
    let c = 0;
    for (let j = 0; j < names.length; j++) c += p.values(names[j]!)?.length ?? 0;
    return c;
  };
  const one =
    (t: Test): Predicate =>
    (p) =>
      t(count(p));
  return { type: "uint", name: `count(${field.abbrev})`, anyWith: one, allWith: one };
}

/** len(field): the UTF-8 byte length of each occurrence of a string field. */
function lenSource(inner: Source): Source {
  return {
    type: "uint",
    name: `len(${inner.name})`,
    anyWith: (t) => inner.anyWith((v) => t(utf8Length(toStr(v)))),
    allWith: (t) => inner.allWith((v) => t(utf8Length(toStr(v)))),
  };
}

// ---- literals (compile side) ----

const NUMERIC: ReadonlySet<FilterFieldType> = new Set(["uint", "framenum", "float"]);
const INTEGER = /^(0x[0-9a-f]+|0b[01]+|0o[0-7]+|0[0-7]*|[1-9][0-9]*)$/i;
const DECIMAL = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i;

function parseInteger(s: string): number | undefined {
  if (!INTEGER.test(s)) return undefined;
  const lower = s.toLowerCase();
  if (lower.startsWith("0x")) return parseInt(s.slice(2), 16);
  if (lower.startsWith("0b")) return parseInt(s.slice(2), 2);
  if (lower.startsWith("0o")) return parseInt(s.slice(2), 8);
  if (s.length > 1 && s.startsWith("0")) return parseInt(s.slice(1), 8); // C and Wireshark: leading 0 is octal
  return parseInt(s, 10);
}

/** A literal as messages quote it. */
function quoted(o: Exclude<Operand, { kind: "call" }>): string {
  return o.kind === "string" ? JSON.stringify(o.text) : `"${o.text}"`;
}

/** What a literal operand stands for, for one source type. */
type Literal =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "range"; readonly lo: number; readonly hi: number };

class Compiler {
  readonly fields = new Set<string>();

  constructor(private readonly registry: FieldRegistry) {}

  expr(e: Expr): Predicate {
    switch (e.kind) {
      case "and": {
        const a = this.expr(e.left);
        const b = this.expr(e.right);
        return (p) => a(p) && b(p);
      }
      case "or": {
        const a = this.expr(e.left);
        const b = this.expr(e.right);
        return (p) => a(p) || b(p);
      }
      case "xor": {
        const a = this.expr(e.left);
        const b = this.expr(e.right);
        return (p) => a(p) !== b(p);
      }
      case "not": {
        const a = this.expr(e.expr);
        return (p) => !a(p);
      }
      case "present":
        return this.present(e.operand);
      case "compare":
        return this.compare(e);
      case "in":
        return this.membership(e);
    }
  }

  /** Names the packet will be asked for when reading this field. */
  private use(field: FilterField): FilterField {
    for (const n of field.sources ?? [field.abbrev]) this.fields.add(n);
    return field;
  }

  private unknown(o: Operand): never {
    if (o.kind === "string") fail(`A string cannot be a test on its own: compare a field with it`, o.pos, o.len);
    const text = o.kind === "word" ? o.text : o.fn;
    if (o.kind === "word" && /^[0-9]/.test(text)) fail(`"${text}" is a value, not a field: compare a field with it`, o.pos, o.len);
    fail(`"${text}" is neither a field nor a protocol name`, o.pos, o.len);
  }

  private present(o: Operand): Predicate {
    if (o.kind === "call") fail(`${o.fn}() gives a number: compare it with a value`, o.pos, o.len);
    if (o.kind !== "word") this.unknown(o);
    const r = this.registry.resolve(o.text);
    if (!r) this.unknown(o);
    if (r.kind === "field") {
      const f = this.use(r.field);
      return presence(f.sources ?? [f.abbrev]);
    }
    const names: string[] = [];
    for (const m of r.members) for (const n of this.use(m).sources ?? [m.abbrev]) if (!names.includes(n)) names.push(n);
    return presence(names);
  }

  /** The source an operand names, or undefined when it is a literal. */
  private source(o: Operand): Source | undefined {
    if (o.kind === "string") return undefined;
    if (o.kind === "call") {
      if (o.arg.kind !== "word") fail(`${o.fn}() takes a field`, o.arg.pos, o.arg.len);
      const inner = this.source(o.arg);
      if (!inner?.field) this.unknown(o.arg);
      if (o.fn === "count") return countSource(inner.field);
      if (inner.type !== "string") fail(`len() needs a string field; ${inner.name} is ${article(TYPE_TEXT[inner.type])}`, o.pos, o.len);
      return lenSource(inner);
    }
    const r = this.registry.resolve(o.text);
    if (!r) return undefined;
    if (r.kind === "group")
      fail(`"${o.text}" is a group of fields with no value of its own: test its presence or name one of its fields`, o.pos, o.len);
    return fieldSource(this.use(r.field));
  }

  /** A literal, or a field name that is none (`imp.foo`), is an error when a field is needed. */
  private requireSource(o: Operand): Source {
    const s = this.source(o);
    if (!s) this.unknown(o);
    return s;
  }

  private checkComparable(s: Source, o: Operand): void {
    if (s.type === "none" || s.type === "protocol") {
      fail(
        `${s.name} is ${article(TYPE_TEXT[s.type])} without a value: it can only be tested for presence ("${s.name}" alone)`,
        o.pos,
        o.len,
      );
    }
  }

  private compare(e: Extract<Expr, { kind: "compare" }>): Predicate {
    let { lhs, rhs, rel } = e;
    let left = this.source(lhs);
    let right = rhs.kind === "string" ? undefined : this.source(rhs);
    // `5 == imp.src`: a literal on the left, a field on the right.
    if (!left && right && rel !== "contains" && rel !== "matches") {
      [lhs, rhs, left, right] = [rhs, lhs, right, undefined];
      rel = MIRROR[rel];
    }
    if (!left) this.unknown(lhs);
    this.checkComparable(left, lhs);
    if (rel === "contains" || rel === "matches") {
      if (left.type !== "string") {
        fail(`${left.name} (${TYPE_TEXT[left.type]}) cannot be used with "${e.op.text}": only strings can`, e.op.pos, e.op.len);
      }
      if (right) fail(`"${e.op.text}" needs a string value, not a field`, rhs.pos, rhs.len);
      const s = this.stringLiteral(rhs);
      const test: Test = rel === "contains" ? (v) => toStr(v).includes(s) : this.regexTest(s, rhs);
      return e.quant === "all" ? left.allWith(test) : left.anyWith(test);
    }
    if (right) {
      if (left.type === "string" && rhs.kind === "word" && (right.type === "none" || right.type === "protocol")) {
        fail(`${rhs.text} is a field name here, not a string: quote it ("${rhs.text}") to compare with that text`, rhs.pos, rhs.len);
      }
      return this.compareFields(left, right, rel, e.quant, rhs);
    }
    const lit = this.literal(left, rhs, rel !== "eq" && rel !== "ne");
    const test = makeTest(left.type, rel, lit);
    return e.quant === "all" ? left.allWith(test) : left.anyWith(test);
  }

  /** field op field: any (or all) pair of occurrences. */
  private compareFields(left: Source, right: Source, rel: Relation, quant: "any" | "all", rhs: Operand): Predicate {
    this.checkComparable(right, rhs);
    const family = (t: FilterFieldType) => (NUMERIC.has(t) ? "number" : t);
    if (family(left.type) !== family(right.type)) {
      fail(`${left.name} (${TYPE_TEXT[left.type]}) and ${right.name} (${TYPE_TEXT[right.type]}) cannot be compared`, rhs.pos, rhs.len);
    }
    const conv: (v: FilterValue) => number | string = left.type === "string" ? toStr : left.type === "ipv4" ? toIp : toNum;
    const cmp = RELATE[rel as Exclude<Relation, "contains" | "matches">];
    let a: number | string = 0;
    let packet: FilterPacket | undefined;
    const innerTest: Test = (b) => cmp(a, conv(b));
    const inner = quant === "all" ? right.allWith(innerTest) : right.anyWith(innerTest);
    const outerTest: Test = (v) => {
      a = conv(v);
      return inner(packet!);
    };
    const outer = quant === "all" ? left.allWith(outerTest) : left.anyWith(outerTest);
    return (p) => {
      packet = p;
      return outer(p);
    };
  }

  private membership(e: Extract<Expr, { kind: "in" }>): Predicate {
    const src = this.requireSource(e.lhs);
    this.checkComparable(src, e.lhs);
    let test: Test;
    if (src.type === "string") {
      const set = new Set<string>();
      for (const m of e.members) {
        if (m.hi) fail("Ranges (a..b) are for numbers and addresses, not strings", m.lo.pos, m.hi.pos + m.hi.len - m.lo.pos);
        set.add(this.stringLiteral(m.lo));
      }
      test = (v) => set.has(toStr(v));
    } else {
      const { lo, hi } = this.ranges(src, e.members);
      const conv = src.type === "ipv4" ? toIp : toNum;
      const n = lo.length;
      test = (v) => {
        const x = conv(v);
        for (let i = 0; i < n; i++) if (x >= lo[i]! && x <= hi[i]!) return true;
        return false;
      };
    }
    const pred = e.quant === "all" ? src.allWith(test) : src.anyWith(test);
    return e.negated ? (p) => !pred(p) : pred;
  }

  private ranges(src: Source, members: readonly SetMember[]): { lo: Float64Array; hi: Float64Array } {
    const lo = new Float64Array(members.length);
    const hi = new Float64Array(members.length);
    members.forEach((m, i) => {
      const a = this.literal(src, m.lo, m.hi !== undefined);
      if (!m.hi) {
        lo[i] = a.kind === "range" ? a.lo : (a.value as number);
        hi[i] = a.kind === "range" ? a.hi : (a.value as number);
        return;
      }
      const b = this.literal(src, m.hi, true);
      lo[i] = a.kind === "number" ? a.value : a.kind === "range" ? a.lo : NaN;
      hi[i] = b.kind === "number" ? b.value : b.kind === "range" ? b.hi : NaN;
      if (!(lo[i]! <= hi[i]!)) fail(`Empty range: ${lo[i]} is above ${hi[i]}`, m.lo.pos, m.hi.pos + m.hi.len - m.lo.pos);
    });
    return { lo, hi };
  }

  private stringLiteral(o: Operand): string {
    if (o.kind === "call") fail("Expected a string value, not a function", o.pos, o.len);
    return o.text;
  }

  private regexTest(source: string, o: Operand): Test {
    // PCRE-style leading inline flags, as Wireshark's PCRE2 takes them: (?i), (?s), (?m), (?ims).
    let flags = "";
    let body = source;
    const m = /^\(\?([a-zA-Z]+)\)/.exec(source);
    if (m) {
      for (const f of m[1]!) {
        if (f !== "i" && f !== "m" && f !== "s") fail(`Unsupported regular expression flag "(?${f})": use i, m or s`, o.pos, o.len);
        if (!flags.includes(f)) flags += f;
      }
      body = source.slice(m[0].length);
    }
    let re: RegExp;
    try {
      re = new RegExp(body, flags);
    } catch (err) {
      fail(
        `Invalid regular expression: ${err instanceof Error ? err.message.replace(/^Invalid regular expression: /, "") : String(err)}`,
        o.pos,
        o.len,
      );
    }
    return (v) => re.test(toStr(v));
  }

  /**
   * The value of a literal for a source of this type. `ordered`: the literal is used with an
   * ordering or as a range bound, where a CIDR block makes no sense.
   */
  private literal(src: Source, o: Operand, ordered: boolean): Literal {
    if (o.kind === "call") fail("Expected a value, not a function", o.pos, o.len);
    const text = o.text;
    const f = src.field;
    switch (src.type) {
      case "string":
        return { kind: "string", value: text };
      case "ipv4": {
        const m = /^([0-9.]+)(?:\/([0-9]+))?$/.exec(text);
        const addr = m ? parseIpv4(m[1]!) : -1;
        if (!m || addr < 0) fail(`${quoted(o)} is not a valid IPv4 address`, o.pos, o.len);
        if (m[2] === undefined) return { kind: "number", value: addr };
        const bits = Number(m[2]);
        if (bits > 32) fail(`/${m[2]} is not a valid prefix length (0..32)`, o.pos, o.len);
        if (ordered) fail(`A CIDR block (${text}) can only be tested with == or != and in sets`, o.pos, o.len);
        const size = 2 ** (32 - bits);
        const lo = Math.floor(addr / size) * size;
        return { kind: "range", lo, hi: lo + size - 1 };
      }
      case "float": {
        if (DECIMAL.test(text)) return { kind: "number", value: Number(text) };
        const i = parseInteger(text);
        if (i !== undefined) return { kind: "number", value: i };
        fail(`${quoted(o)} is not a valid number for ${src.name} (${TYPE_TEXT.float})`, o.pos, o.len);
      }
      case "uint":
      case "framenum": {
        const max = src.field?.max ?? 0xffff_ffff;
        const i = parseInteger(text);
        if (i !== undefined) {
          if (i > max) fail(`${text} is too big for ${src.name} (maximum ${max})`, o.pos, o.len);
          return { kind: "number", value: i };
        }
        const named = f ? this.registry.valueOfName(f, text) : undefined;
        if (named !== undefined) return { kind: "number", value: named };
        if (max === 1 && /^(true|false)$/i.test(text)) return { kind: "number", value: text.toLowerCase() === "true" ? 1 : 0 };
        if (/^-[0-9]/.test(text) && DECIMAL.test(text)) fail(`${text} is too small for ${src.name} (unsigned, minimum 0)`, o.pos, o.len);
        if (DECIMAL.test(text)) fail(`${text} is not an integer: ${src.name} is ${article(TYPE_TEXT[src.type])}`, o.pos, o.len);
        if (f?.values) {
          const names = Object.values(f.values);
          const hint = names.length <= 6 ? ` (${names.map((n) => JSON.stringify(n)).join(", ")})` : "";
          fail(`${quoted(o)} is not a valid value for ${src.name}${hint}`, o.pos, o.len);
        }
        fail(`${quoted(o)} is not a valid number for ${src.name} (${TYPE_TEXT[src.type]})`, o.pos, o.len);
      }
      default:
        fail(`${src.name} has no value to compare`, o.pos, o.len);
    }
  }
}

function article(s: string): string {
  return /^[aeiou]/i.test(s) ? `an ${s}` : `a ${s}`;
}

const MIRROR: Readonly<Record<Exclude<Relation, "contains" | "matches">, Exclude<Relation, "contains" | "matches">>> = {
  eq: "eq",
  ne: "ne",
  lt: "gt",
  gt: "lt",
  le: "ge",
  ge: "le",
};

const RELATE: Readonly<Record<Exclude<Relation, "contains" | "matches">, (a: number | string, b: number | string) => boolean>> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  gt: (a, b) => a > b,
  le: (a, b) => a <= b,
  ge: (a, b) => a >= b,
};

/** The per-occurrence test of `occurrence rel literal`, specialised per type and operator. */
function makeTest(type: FilterFieldType, rel: Relation, lit: Literal): Test {
  if (lit.kind === "string") {
    const s = lit.value;
    switch (rel) {
      case "eq":
        return (v) => toStr(v) === s;
      case "ne":
        return (v) => toStr(v) !== s;
      case "lt":
        return (v) => toStr(v) < s;
      case "gt":
        return (v) => toStr(v) > s;
      case "le":
        return (v) => toStr(v) <= s;
      case "ge":
        return (v) => toStr(v) >= s;
      default:
        throw new Error(`unexpected relation ${rel}`);
    }
  }
  const conv = type === "ipv4" ? toIp : toNum;
  if (lit.kind === "range") {
    const { lo, hi } = lit;
    if (rel === "eq")
      return (v) => {
        const x = conv(v);
        return x >= lo && x <= hi;
      };
    if (rel === "ne")
      return (v) => {
        const x = conv(v);
        return !(x >= lo && x <= hi);
      };
    throw new Error(`unexpected relation ${rel} with a range`);
  }
  const k = lit.value;
  switch (rel) {
    case "eq":
      return (v) => conv(v) === k;
    case "ne":
      return (v) => conv(v) !== k;
    case "lt":
      return (v) => conv(v) < k;
    case "gt":
      return (v) => conv(v) > k;
    case "le":
      return (v) => conv(v) <= k;
    case "ge":
      return (v) => conv(v) >= k;
    default:
      throw new Error(`unexpected relation ${rel}`);
  }
}
