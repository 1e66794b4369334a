/**
 * Mutations as plain records `{ kind, field, value, at? }`, so a case says exactly what made it
 * and the minimiser can drop them one by one. Applied in three passes over the encoded,
 * well-formed datagram: structure (truncate, extend, list counts), fields (patched under their
 * mask at the offset the table gives), then generic bytes.
 */
import { Buffer } from "node:buffer";
import { decode, encode } from "../../src/codec/index.js";
import {
  ENTRY_PLACES,
  HEADER_LENGTH,
  HEADER_PLACES,
  MESSAGES,
  layoutOffsets,
  maskShift,
  messageSpec,
  type FieldSpec,
  type Layout,
} from "../../src/protocol/index.js";
import type { Rng } from "../rng.js";
import { resolve, templateFor, toMessage, type IdContext, type Template } from "./template.js";
import {
  FLAG_FIELDS,
  FLAGS_MASK,
  USERNAME_CASES,
  dataLengthValues,
  headerLengthValues,
  interestingValues,
  type FieldValue,
} from "./values.js";

export type MutationKind =
  // structure
  | "truncate" // drop `value` bytes from the end, lengths kept (they now lie)
  | "extend" // append `value` bytes of 0x41, lengths kept
  | "count" // add (value > 0) or remove list items, Header Length kept
  // fields
  | "field" // a header or option field set to `value` under its mask
  | "flags" // R/S/A together, value 0..7
  | "username" // the 8 username bytes (value: hex)
  // sequence (applied by the session, not to bytes)
  | "duplicate" // the datagram is sent twice
  | "replay" // the datagram is sent again after the next step
  | "dropAck" // the fuzzer does not acknowledge what answers this datagram
  | "wrongSeq" // the Sequence bit is not flipped (a duplicate to the receiver)
  | "reorder" // the step goes out after the step that follows it
  // generic bytes
  | "bitflip" // bit `value` of byte `at`
  | "byte" // byte `at` set to `value`
  | "splice" // bytes of another message (value: hex) written at `at`
  | "cut"; // datagram cut to `value` bytes

export interface Mutation {
  kind: MutationKind;
  /** The field concerned (`hlen`, `username`, `entry.port`...), for byte mutations the field at `at`. */
  field: string;
  value: FieldValue | string;
  /** Byte offset (generic byte mutations) or list item index (entry fields). */
  at?: number;
}

export const SEQUENCE_KINDS: ReadonlySet<MutationKind> = new Set(["duplicate", "replay", "dropAck", "wrongSeq", "reorder"]);

/** A field a mutation can name, at its offset (the first item's for list fields; `itemSize` apart). */
export interface FieldOffset {
  offset: number;
  spec: FieldSpec;
  /** Bytes from one item to the next, for the fields of a list. */
  itemSize?: number;
}

/** Offsets of the option fields of a layout (the first item of a list for entry fields). */
export function optionOffsets(layout: Layout): Map<string, FieldOffset> {
  const out = new Map<string, FieldOffset>();
  const places = layoutOffsets(layout);
  for (const p of places.options) out.set(p.name, { offset: p.offset, spec: p.field });
  const repeat = places.repeat;
  if (repeat?.field.item === "entry") {
    for (const p of ENTRY_PLACES)
      out.set(`${repeat.name}.${p.name}`, { offset: places.repeatOffset + p.offset, spec: p.field, itemSize: repeat.itemSize });
  } else if (repeat) {
    out.set(repeat.name, { offset: places.repeatOffset, spec: repeat.field, itemSize: repeat.itemSize });
  }
  return out;
}

const HEADER_SPECS: ReadonlyMap<string, FieldOffset> = new Map(HEADER_PLACES.map((p) => [p.name, { offset: p.offset, spec: p.field }]));

/** Name of the field that holds byte `offset` (bit `bit` of a container shared under masks). */
export function fieldAt(layout: Layout | null, hlen: number, offset: number, bit = 7): string {
  for (const p of HEADER_PLACES) {
    const f = p.field;
    if (offset >= p.offset && offset < p.offset + f.size && (f.mask === 0 || (f.mask & (1 << bit)) !== 0)) return p.name;
  }
  if (offset >= hlen) return "payload";
  if (!layout) return "options";
  const places = layoutOffsets(layout);
  for (const p of places.options) if (offset >= p.offset && offset < p.offset + Math.max(p.field.size, 1)) return p.name;
  const repeat = places.repeat;
  if (repeat && offset >= places.repeatOffset) {
    if (repeat.field.item !== "entry") return repeat.name;
    const rel = (offset - places.repeatOffset) % repeat.itemSize;
    for (const p of ENTRY_PLACES) if (rel >= p.offset && rel < p.offset + p.field.size) return `${repeat.name}.${p.name}`;
  }
  return "options";
}

/** Writes `value` into the field's container under its mask (big-endian over the field's size). */
function patch(buf: Uint8Array, offset: number, f: FieldSpec, value: number): void {
  if (offset + f.size > buf.length) return;
  if (f.mask === 0) {
    let v = value;
    for (let i = f.size - 1; i >= 0; i--) {
      buf[offset + i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    return;
  }
  buf[offset] = (buf[offset]! & ~f.mask & 0xff) | ((value << maskShift(f.mask)) & f.mask);
}

/** Encodes a template and applies the mutations; `seq` is the Sequence the session gives it. */
export function build(t: Template, seq: number, ctx: IdContext, mutations: readonly Mutation[]): Buffer {
  const wrongSeq = mutations.some((m) => m.kind === "wrongSeq");
  const base = encode(toMessage(t, wrongSeq ? seq ^ 1 : seq, ctx));
  const d = decode(base);
  const layout = d.layout;
  const spec = t.ack ? undefined : messageSpec(t.type);
  let buf: Buffer = base;
  // structure
  for (const m of mutations) {
    if (m.kind === "truncate") buf = buf.subarray(0, Math.max(0, buf.length - Number(m.value)));
    else if (m.kind === "extend") buf = Buffer.concat([buf, Buffer.alloc(Number(m.value), 0x41)]);
    else if (m.kind === "count" && layout?.repeat) {
      const size = layoutOffsets(layout).repeat!.itemSize;
      const hl = d.message!.hlen;
      const n = Number(m.value);
      if (n > 0) buf = Buffer.concat([buf.subarray(0, hl), Buffer.alloc(n * size, 0x02), buf.subarray(hl)]);
      else buf = Buffer.concat([buf.subarray(0, Math.max(HEADER_LENGTH, hl + n * size)), buf.subarray(hl)]);
    }
  }
  if (buf === base) buf = Buffer.from(base);
  // fields
  const offsets = layout ? optionOffsets(layout) : new Map<string, FieldOffset>();
  const payloadLen = spec?.payload ? base.length - (d.message?.hlen ?? base.length) : 0;
  for (const m of mutations) {
    if (m.kind === "flags") {
      buf[0] = (buf[0]! & ~FLAGS_MASK) | (Number(m.value) & FLAGS_MASK);
    } else if (m.kind === "username") {
      const at = offsets.get(m.field);
      if (at) {
        const size = at.spec.size;
        const bytes = Buffer.from(
          String(m.value) === "otherName" ? Buffer.from(ctx.otherName.padEnd(size, " "), "latin1") : Buffer.from(String(m.value), "hex"),
        );
        const o = at.offset + (m.at ?? 0) * (at.itemSize ?? 0);
        if (o + size <= buf.length) bytes.copy(buf, o, 0, size);
      }
    } else if (m.kind === "field") {
      const h = HEADER_SPECS.get(m.field);
      const o = h ?? offsets.get(m.field);
      if (!o) continue;
      const offset = o.offset + (m.at ?? 0) * (o.itemSize ?? 0);
      let v: number;
      if (o.spec.lengthOf === "header") {
        const exact = d.message?.hlen ?? HEADER_LENGTH;
        v =
          m.value === "exact-1"
            ? exact - 1
            : m.value === "exact+1"
              ? exact + 1
              : m.value === "dgram"
                ? buf.length
                : m.value === "dgram+1"
                  ? buf.length + 1
                  : Number(m.value);
      } else if (o.spec.lengthOf !== undefined) {
        const hl = d.message?.hlen ?? HEADER_LENGTH;
        v = m.value === "payload-1" ? payloadLen - 1 : m.value === "payload+1" ? payloadLen + 1 : m.value === "hlen" ? hl : Number(m.value);
      } else v = resolve(m.value as FieldValue, ctx);
      patch(buf, offset, o.spec, Math.max(0, v));
    }
  }
  // generic bytes
  for (const m of mutations) {
    const at = m.at ?? 0;
    if (m.kind === "bitflip" && at < buf.length) buf[at] = buf[at]! ^ (1 << Number(m.value));
    else if (m.kind === "byte" && at < buf.length) buf[at] = Number(m.value) & 0xff;
    else if (m.kind === "splice") {
      const src = Buffer.from(String(m.value), "hex");
      const end = Math.min(buf.length, at + src.length);
      if (at < end) src.copy(buf, at, 0, end - at);
    } else if (m.kind === "cut") buf = buf.subarray(0, Math.min(buf.length, Number(m.value)));
  }
  return buf;
}

/** A dummy context: lengths and layouts do not depend on the IDs a target assigns. */
export const SHAPE_CONTEXT: IdContext = {
  own: 1,
  other: 2,
  third: 3,
  unknown: 200,
  ownGroup: 2,
  otherGroup: 3,
  ownName: "fuzz",
  otherName: "other",
  roster: [{ client_id: 1, group: 1, username: "fuzz", ip: "127.0.0.1", port: 1 }],
};

/**
 * Header fields a mutation sets to an interesting value: all but the one-bit flags (mutated
 * together, FLAG_FIELDS), the Header Length twice as often.
 */
const HEADER_TARGETS: readonly { name: string; field: FieldSpec }[] = (() => {
  const fields = HEADER_PLACES.filter((p) => !FLAG_FIELDS.includes(p.field));
  return [...fields, ...fields.filter((p) => p.field.lengthOf === "header")];
})();

const INTERESTING_BYTES = [0x00, 0x01, 0x04, 0x05, 0x7f, 0x80, 0xfe, 0xff, 0x20];
const SPLICE_SOURCES: readonly string[] = MESSAGES.map((s) => {
  try {
    return encode(toMessage(templateFor(s), 1, SHAPE_CONTEXT)).toString("hex");
  } catch {
    return "";
  }
}).filter((h) => h.length > 0);

/**
 * One to three mutations of a datagram built from `t`: header fields, flags, option fields,
 * usernames, structure and generic bytes, each value from the table (values.ts).
 */
export function randomMutations(rng: Rng, t: Template, allowSequence = true): Mutation[] {
  const base = encode(toMessage(t, 1, SHAPE_CONTEXT));
  const d = decode(base);
  const layout = d.layout;
  const hlen = d.message?.hlen ?? HEADER_LENGTH;
  const spec = t.ack ? undefined : messageSpec(t.type);
  const offsets = layout ? [...optionOffsets(layout)] : [];
  // Number fields (lists of numbers included) whose value is not a computed length.
  const options = offsets.filter(([, o]) => (o.spec.kind === "uint" || o.spec.kind === "list") && o.spec.lengthOf === undefined);
  const username = offsets.find(([, o]) => o.spec.kind === "username");
  const payloadLength = layout ? layoutOffsets(layout).payload?.length.name : undefined;
  const out: Mutation[] = [];
  const n = 1 + (rng.chance(0.3) ? 1 + rng.int(2) : 0);
  for (let i = 0; i < n; i++) {
    const r = rng.int(100);
    if (r < 30) {
      const p = rng.pick(HEADER_TARGETS);
      const values = p.field.lengthOf === "header" ? headerLengthValues(spec) : interestingValues(p.field);
      out.push({ kind: "field", field: p.name, value: rng.pick(values) });
    } else if (r < 38) {
      out.push({ kind: "flags", field: FLAG_FIELDS.map((f) => f.name).join("+"), value: rng.int(FLAGS_MASK + 1) });
    } else if (r < 55 && (options.length > 0 || spec?.payload)) {
      if (spec?.payload && payloadLength && rng.chance(0.4)) {
        out.push({ kind: "field", field: payloadLength, value: rng.pick(dataLengthValues()) });
      } else if (options.length > 0) {
        const [name, { spec: f, itemSize }] = rng.pick(options);
        const item = itemSize !== undefined ? { at: rng.int(Math.max(1, d.count)) } : {};
        out.push({ kind: "field", field: name, value: rng.pick(interestingValues(f)), ...item });
      } else i--;
    } else if (r < 63 && username) {
      const [name, { itemSize }] = username;
      const u = rng.chance(0.15) ? { label: "taken", hex: "otherName" } : rng.pick(USERNAME_CASES);
      out.push({ kind: "username", field: name, value: u.hex, ...(itemSize !== undefined ? { at: rng.int(Math.max(1, d.count)) } : {}) });
    } else if (r < 73) {
      const k = rng.int(3);
      if (k === 0)
        out.push({ kind: "truncate", field: base.length > hlen ? "payload" : "options", value: 1 + rng.int(Math.max(1, base.length - 1)) });
      else if (k === 1) out.push({ kind: "extend", field: hlen < base.length ? "payload" : "options", value: rng.pick([1, 2, 16, 255]) });
      else if (layout?.repeat) out.push({ kind: "count", field: layout.repeat.field, value: rng.pick([-1, 1, 2]) });
      else out.push({ kind: "extend", field: "options", value: 1 });
    } else if (r < 80 && allowSequence) {
      const kind = rng.pick(["duplicate", "replay", "dropAck", "wrongSeq", "reorder"] as const);
      out.push({ kind, field: "sequence", value: 1 });
    } else {
      const k = rng.int(4);
      const at = rng.int(base.length);
      if (k === 0) {
        const bit = rng.int(8);
        out.push({ kind: "bitflip", field: fieldAt(layout, hlen, at, bit), value: bit, at });
      } else if (k === 1) out.push({ kind: "byte", field: fieldAt(layout, hlen, at), value: rng.pick(INTERESTING_BYTES), at });
      else if (k === 2) {
        const src = Buffer.from(rng.pick(SPLICE_SOURCES), "hex");
        const from = rng.int(src.length);
        const len = 1 + rng.int(Math.min(8, src.length - from));
        out.push({ kind: "splice", field: fieldAt(layout, hlen, at), value: src.subarray(from, from + len).toString("hex"), at });
      } else out.push({ kind: "cut", field: fieldAt(layout, hlen, at), value: at, at });
    }
  }
  return out;
}

/** One line per mutation, for reports. */
export function describeMutation(m: Mutation): string {
  const at = m.at === undefined ? "" : `@${m.at}`;
  return `${m.kind}(${m.field}${at}=${typeof m.value === "number" ? m.value : JSON.stringify(m.value)})`;
}
