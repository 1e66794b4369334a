/**
 * Interesting values, derived from the spec table and nothing else (STYLE.md section 2: each
 * field kind knows its own boundary values; the fuzzer keeps no second model of the protocol).
 *
 * - uint fields: the boundaries of their width (from size and mask), every named value, the
 *   edges of every IdClass they may hold (`valid`), and, for fields of 5 bits or fewer that have
 *   value names (Type), every code, assigned or reserved;
 * - fields that refer to a client (`refers: "client"`) also take symbolic IDs: own, another
 *   client's, a third's, unknown; fields that refer to a group own group and another's;
 * - the one-bit header fields of byte 0 (R/S/A) are also mutated together through all combinations;
 * - Header Length: 0..4, exact +/- 1, every HL the type's layouts allow (variants, n +/- 1),
 *   the datagram length, one more, 0xFFFF; Data Length lies both ways;
 * - usernames: empty, 8 bytes, NUL / space / non-ASCII / control inside, other padding,
 *   another client's name.
 */
import {
  ACK_SPEC,
  MESSAGES,
  ENTRY_FIELDS,
  HEADER_FIELDS,
  HEADER_LENGTH,
  HEADER_PLACES,
  OPTION_FIELDS,
  USERNAME_LENGTH,
  inIdClass,
  layoutHeaderLength,
  maskShift,
  type FieldSpec,
  type IdClass,
  type MessageSpec,
} from "../../src/protocol/index.js";

/** IDs resolved when a case runs (the target picks client and group IDs). */
export const SYMBOLIC_IDS = ["own", "other", "third", "unknown"] as const;
export const SYMBOLIC_GROUPS = ["ownGroup", "otherGroup"] as const;
/** Header Length and Data Length values relative to the datagram being built. */
export const RELATIVE_LENGTHS = ["exact-1", "exact+1", "dgram", "dgram+1"] as const;
export const RELATIVE_DATA_LENGTHS = ["payload-1", "payload+1", "hlen"] as const;

export type Symbolic =
  | (typeof SYMBOLIC_IDS)[number]
  | (typeof SYMBOLIC_GROUPS)[number]
  | (typeof RELATIVE_LENGTHS)[number]
  | (typeof RELATIVE_DATA_LENGTHS)[number];
export type FieldValue = number | Symbolic;

/** Width of a uint field in bits. */
export function fieldBits(f: FieldSpec): number {
  if (f.mask === 0) return f.size * 8;
  let n = 0;
  for (let m = f.mask >>> maskShift(f.mask); m; m >>>= 1) n += m & 1;
  return n;
}

function classRange(cls: IdClass): [number, number] {
  let lo = -1;
  let hi = -1;
  for (let v = 0; v <= 255; v++) {
    if (inIdClass(v, cls)) {
      if (lo < 0) lo = v;
      hi = v;
    }
  }
  return [lo, hi];
}

export function isClientField(f: FieldSpec): boolean {
  return f.refers === "client";
}
export function isGroupField(f: FieldSpec): boolean {
  return f.refers === "group";
}

const cache = new Map<FieldSpec, readonly FieldValue[]>();

/**
 * IdClasses a field may hold: its own `valid`, or for the header's Source and Group IDs every
 * class the message table allows there (so Group ID gets the private range's edges, 2 and 254).
 */
function classesOf(f: FieldSpec): readonly IdClass[] {
  if (f === HEADER_FIELDS.src) return [...new Set([...MESSAGES.flatMap((m) => m.src), ...ACK_SPEC.src])];
  if (f === HEADER_FIELDS.group) return [...new Set([...MESSAGES.flatMap((m) => m.group), ...ACK_SPEC.group])];
  return f.valid ?? [];
}

/** Every interesting value of a uint field, numbers first, then symbolic IDs. */
export function interestingValues(f: FieldSpec): readonly FieldValue[] {
  const hit = cache.get(f);
  if (hit) return hit;
  const bits = fieldBits(f);
  const max = 2 ** bits - 1;
  const set = new Set<number>();
  const add = (v: number) => {
    if (Number.isInteger(v) && v >= 0 && v <= max) set.add(v);
  };
  if (f.values && bits <= 5) for (let v = 0; v <= max; v++) add(v);
  for (const v of [0, 1, max, max - 1, 2 ** (bits - 1), 2 ** (bits - 1) - 1]) add(v);
  for (const k of Object.keys(f.values ?? {})) add(Number(k));
  for (const cls of classesOf(f)) {
    const [lo, hi] = classRange(cls);
    for (const v of [lo - 1, lo, hi, hi + 1]) add(v);
  }
  const out: FieldValue[] = [...set].sort((a, b) => a - b);
  if (isClientField(f)) out.push(...SYMBOLIC_IDS);
  if (isGroupField(f)) out.push(...SYMBOLIC_GROUPS);
  cache.set(f, out);
  return out;
}

/** Header Length values for a message of this spec (undefined: a reserved type or an ACK). */
export function headerLengthValues(spec: MessageSpec | undefined): readonly FieldValue[] {
  const set = new Set<number>([0, 1, 2, 3, 4, HEADER_LENGTH, 0xffff]);
  for (const l of spec?.layouts ?? []) {
    for (const n of [0, 1, 2]) set.add(layoutHeaderLength(l, n));
    if (l.repeat && l.repeat.min > 0) set.add(layoutHeaderLength(l, l.repeat.min - 1));
  }
  return [...[...set].sort((a, b) => a - b), ...RELATIVE_LENGTHS];
}

/** The option field that holds a payload's length (Data Length). */
const PAYLOAD_LENGTH: FieldSpec = Object.values<FieldSpec>(OPTION_FIELDS).find((f) => f.lengthOf !== undefined)!;

export function dataLengthValues(): readonly FieldValue[] {
  const f = PAYLOAD_LENGTH;
  const max = 2 ** fieldBits(f) - 1;
  return [0, 1, max, max - 1, ...RELATIVE_DATA_LENGTHS];
}

/** Usernames as 8 raw bytes (hex) with a label; "otherName" is resolved when the case runs. */
export const USERNAME_CASES: readonly { label: string; hex: string }[] = (() => {
  const pad = (bytes: number[], with_: number) => {
    const b = [...bytes];
    while (b.length < USERNAME_LENGTH) b.push(with_);
    return Buffer.from(b.slice(0, USERNAME_LENGTH)).toString("hex");
  };
  const a = (s: string) => [...Buffer.from(s, "latin1")];
  const sp = OPTION_FIELDS.username.pad ?? 0x20;
  const nul = ENTRY_FIELDS.username.pad ?? 0x00;
  return [
    { label: "empty", hex: pad([], sp) },
    { label: "all NUL", hex: pad([], nul) },
    { label: "8 bytes", hex: pad(a("abcdefgh"), sp) },
    { label: "NUL inside", hex: pad([...a("ab"), 0, ...a("cd")], sp) },
    { label: "space inside", hex: pad(a("ab cd"), sp) },
    { label: "leading space", hex: pad(a(" abc"), sp) },
    { label: "non-ASCII", hex: pad([0xc3, 0xa9, 0x74, 0xc3, 0xa9], sp) },
    { label: "control", hex: pad([0x01, ...a("abc")], sp) },
    { label: "DEL", hex: pad([...a("ab"), 0x7f], sp) },
    { label: "0xFF", hex: pad([], 0xff) },
    { label: "other padding", hex: pad(a("abc"), sp === 0x20 ? nul : 0x20) },
    { label: "backslash", hex: pad(a("a\\x41"), sp) },
  ];
})();

/** The single-bit header fields that share their container with Type (R/S/A), from the table. */
export const FLAG_FIELDS: readonly FieldSpec[] = HEADER_PLACES.filter(
  (p) => p.field.mask !== 0 && fieldBits(p.field) === 1 && p.offset === HEADER_PLACES.find((t) => t.field === HEADER_FIELDS.type)!.offset,
).map((p) => p.field);
export const FLAGS_MASK = FLAG_FIELDS.reduce((m, f) => m | f.mask, 0);
