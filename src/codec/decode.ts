/**
 * Decoding, derived from the spec table: the header, then the layout that the Header Length
 * selects, then the checks of every length and value rule. Never throws, whatever the bytes.
 */
import { isUtf8 } from "node:buffer";
import {
  ENTRY_FIELDS,
  HEADER_FIELDS,
  HEADER_LENGTH,
  LIST_ENTRY_LENGTH,
  OPTION_FIELDS,
  typeName,
  type FieldSpec,
} from "../protocol/fields.js";
import { ID_CLASS_TEXT, inAnyIdClass, type IdClass } from "../protocol/ids.js";
import {
  ACK_SPEC,
  headerLengthRule,
  layoutForHeaderLength,
  messageSpec,
  type Layout,
} from "../protocol/messages.js";
import { PROBLEMS, type Problem, type ProblemKey } from "../protocol/problems.js";
import { isAscii, readIpv4, readUint, readUsername, utf8Text } from "./field-codec.js";
import type { Decoded, ImpMessage, ListEntry } from "./message.js";

/** Shared by every clean datagram (most of them): no array is allocated until a problem is found. */
const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);

function problem(out: Decoded, key: ProblemKey, text: string, offset: number, length: number, field?: string): void {
  const p = PROBLEMS[key];
  const list: Problem[] = out.problems === NO_PROBLEMS ? [] : (out.problems as Problem[]);
  out.problems = list;
  list.push({ id: p.id, category: p.category, severity: p.severity, text, offset, length, ...(field ? { field } : {}) });
}

function classesText(classes: readonly IdClass[]): string {
  return classes.map((c) => ID_CLASS_TEXT[c]).join(" or ");
}

/** Decodes one UDP payload. */
export function decode(bytes: Uint8Array): Decoded {
  const length = bytes.length;
  if (length < HEADER_LENGTH) {
    const short: Decoded = { length, message: null, spec: undefined, layout: null, count: 0, problems: NO_PROBLEMS };
    problem(short, "short", `Datagram of ${length} byte${length === 1 ? "" : "s"} is shorter than the 5-byte header`, 0, length);
    return short;
  }
  const b0 = bytes[0]!;
  const message: ImpMessage = {
    type: b0 >>> 3,
    reserved: (b0 >>> 2) & 1,
    seq: (b0 >>> 1) & 1,
    ack: b0 & 1,
    src: bytes[1]!,
    group: bytes[2]!,
    hlen: (bytes[3]! << 8) | bytes[4]!,
  };
  const spec = messageSpec(message.type);
  const result: Decoded = { length, message, spec, layout: null, count: 0, problems: NO_PROBLEMS };
  const out = result;

  if (message.reserved !== 0) problem(out, "reservedSet", "Reserved bit is set (senders set 0)", 0, 1, HEADER_FIELDS.reserved.abbrev);
  if (!spec) {
    problem(out, "unknownType", `Type 0x${message.type.toString(16).padStart(2, "0")} is reserved`, 0, 1, HEADER_FIELDS.type.abbrev);
  }
  const hlen = message.hlen;
  if (hlen < HEADER_LENGTH) {
    problem(out, "hlenMin", `Header Length ${hlen} is below the 5-byte minimum`, 3, 2, HEADER_FIELDS.hlen.abbrev);
    return result;
  }
  if (hlen > length) {
    problem(out, "hlenBeyond", `Header Length ${hlen} runs past the end of the ${length}-byte datagram`, 3, 2, HEADER_FIELDS.hlen.abbrev);
    return result;
  }

  if (message.ack === 1) {
    checkIds(out, message, ACK_SPEC.name, ACK_SPEC.src, ACK_SPEC.group);
    if (hlen !== HEADER_LENGTH) {
      problem(out, "ackHlen", `Acknowledgement with Header Length ${hlen} (must be 5)`, 3, 2, HEADER_FIELDS.hlen.abbrev);
      return result;
    }
    result.layout = ACK_SPEC.layout;
    if (length !== HEADER_LENGTH) problem(out, "trailing", `${length - HEADER_LENGTH} bytes after an acknowledgement`, HEADER_LENGTH, length - HEADER_LENGTH);
    if (spec && spec.ackedBy.kind === "implicit") {
      problem(out, "implicitAck", `${spec.name} is acknowledged by its response, not by an ACK`, 0, 1, HEADER_FIELDS.ack.abbrev);
    }
    return result;
  }
  if (!spec) return result;

  const match = layoutForHeaderLength(spec, hlen);
  if (!match) {
    problem(out, "hlenType", `Header Length ${hlen} does not fit a ${spec.name} (${headerLengthRule(spec)})`, 3, 2, HEADER_FIELDS.hlen.abbrev);
    return result;
  }
  result.layout = match.layout;
  result.count = match.count;
  if (!spec.payload && length !== hlen) {
    problem(out, "trailing", `${length - hlen} bytes after the header of a ${spec.name}`, hlen, length - hlen);
  }
  checkIds(out, message, spec.name, spec.src, spec.group);
  readOptions(bytes, message, match.layout, match.count, out);

  if (spec.payload) {
    const dataLen = message.data_len ?? 0;
    const available = length - hlen;
    const end = hlen + Math.min(available, dataLen);
    const payload = bytes.subarray(hlen, end);
    message.payload = payload;
    message.data = utf8Text(bytes, hlen, end);
    if (available !== dataLen) {
      const dataLenOffset = hlen - 2;
      problem(
        out,
        "dataLen",
        available < dataLen
          ? `Data Length ${dataLen} but only ${available} payload byte${available === 1 ? "" : "s"}`
          : `Data Length ${dataLen} but ${available} payload bytes (${available - dataLen} extra)`,
        dataLenOffset,
        2,
        OPTION_FIELDS.data_len.abbrev,
      );
    }
    if (!isAscii(bytes, hlen, end) && !isUtf8(payload)) problem(out, "utf8", "Payload is not valid UTF-8", hlen, payload.length, OPTION_FIELDS.data.abbrev);
  }
  return result;
}

function checkIds(out: Decoded, m: ImpMessage, name: string, src: readonly IdClass[], group: readonly IdClass[]): void {
  if (!inAnyIdClass(m.src, src)) {
    problem(out, "src", `Source ID ${m.src} in a ${name} (expected ${classesText(src)})`, 1, 1, HEADER_FIELDS.src.abbrev);
  }
  if (!inAnyIdClass(m.group, group)) {
    problem(out, "group", `Group ID ${m.group} in a ${name} (expected ${classesText(group)})`, 2, 1, HEADER_FIELDS.group.abbrev);
  }
}

function checkValue(out: Decoded, field: FieldSpec, value: number, offset: number): void {
  if (field.valid && field.problem && !inAnyIdClass(value, field.valid)) {
    problem(out, field.problem, `${field.label} ${value} (expected ${classesText(field.valid)})`, offset, field.size, field.abbrev);
  }
}

function readField(
  bytes: Uint8Array,
  offset: number,
  field: FieldSpec,
  out: Decoded,
  target: Record<string, unknown>,
): string | number {
  switch (field.kind) {
    case "username": {
      const u = readUsername(bytes, offset);
      if (!u.valid) {
        problem(out, "username", `Username "${u.text}" is not 1 to 8 printable ASCII characters without spaces`, offset, field.size, field.abbrev);
      }
      if (u.pad >= 0 && u.pad !== field.pad) target.pad = u.pad;
      return u.text;
    }
    case "ipv4":
      return readIpv4(bytes, offset);
    default: {
      const v = readUint(bytes, offset, field);
      checkValue(out, field, v, offset);
      return v;
    }
  }
}

const ENTRY_SPECS: readonly [string, FieldSpec, number][] = (() => {
  let off = 0;
  return Object.entries(ENTRY_FIELDS).map(([k, f]) => {
    const at = off;
    off += f.size;
    return [k, f, at] as [string, FieldSpec, number];
  });
})();

/** An entry with every field present, in table order, so that all entries share one shape. */
const ENTRY_TEMPLATE: Readonly<Record<string, unknown>> = Object.fromEntries(
  ENTRY_SPECS.map(([k, f]) => [k, f.kind === "uint" ? 0 : ""]),
);

function readOptions(bytes: Uint8Array, m: ImpMessage, layout: Layout, count: number, out: Decoded): void {
  const target = m as unknown as Record<string, unknown>;
  let offset = HEADER_LENGTH;
  for (const slot of layout.slots) {
    for (const name of slot.fields) target[name] = readField(bytes, offset, OPTION_FIELDS[name], out, target);
    offset += slot.size;
  }
  if (!layout.repeat) return;
  if (layout.repeat.field === "invitees") {
    const invitees: number[] = [];
    const field = OPTION_FIELDS.invitees;
    for (let i = 0; i < count; i++, offset++) {
      const id = bytes[offset]!;
      checkValue(out, field, id, offset);
      if (invitees.includes(id)) problem(out, "duplicateInvitee", `Client ${id} is invited twice`, offset, 1, field.abbrev);
      invitees.push(id);
    }
    m.invitees = invitees;
  } else {
    const entries: ListEntry[] = [];
    for (let i = 0; i < count; i++, offset += LIST_ENTRY_LENGTH) {
      const e: Record<string, unknown> = { ...ENTRY_TEMPLATE };
      for (const [k, f, at] of ENTRY_SPECS) e[k] = readField(bytes, offset + at, f, out, e);
      entries.push(e as unknown as ListEntry);
    }
    m.entry = entries;
  }
}

/** One-line description of a decoded datagram's type (for errors and logs). */
export function describeType(m: ImpMessage): string {
  return m.ack ? `ACK of ${typeName(m.type)}` : typeName(m.type);
}
