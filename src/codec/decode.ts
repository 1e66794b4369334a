/**
 * Decoding, derived from the spec table: the header, then the layout that the Header Length
 * selects, then the checks of every length and value rule. Never throws, whatever the bytes.
 * Offsets come from layout.ts, sentences from the problem table's templates.
 */
import { isUtf8 } from "node:buffer";
import { ENTRY_FIELDS, HEADER_FIELDS, typeName, type FieldSpec } from "../protocol/fields.js";
import { ID_CLASS_TEXT, inAnyIdClass, type IdClass } from "../protocol/ids.js";
import { ENTRY_PLACES, HEADER_LENGTH, HEADER_PLACES, layoutOffsets, type FieldPlace, type LayoutPlaces } from "../protocol/layout.js";
import { ACK_SPEC, headerLengthRule, layoutForHeaderLength, messageSpec } from "../protocol/messages.js";
import { PROBLEMS, problemText, type Problem, type ProblemKey, type ProblemValues } from "../protocol/problems.js";
import { isAscii, readIpv4, readUint, readUsername, utf8Text } from "./field-codec.js";
import { headerPlace, readHeader } from "./header.js";
import { blankEntry, setField, type Decoded, type ImpMessage, type ListEntry } from "./message.js";

/** Shared by every clean datagram (most of them): no array is allocated until a problem is found. */
const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);

const TYPE = headerPlace("type");
const ACK = headerPlace("ack");
const SRC = headerPlace("src");
const GROUP = headerPlace("group");
const HLEN = headerPlace("hlen");
/** Header fields with a value rule (the Reserved bit). */
const HEADER_CHECKED = HEADER_PLACES.filter((p) => p.field.valid !== undefined);

function problem(
  out: Decoded,
  key: ProblemKey,
  values: ProblemValues,
  offset: number,
  length: number,
  field?: string,
  variant?: string,
): void {
  const p = PROBLEMS[key];
  const list: Problem[] = out.problems === NO_PROBLEMS ? [] : (out.problems as Problem[]);
  out.problems = list;
  const text = problemText(key, values, variant);
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
    problem(short, "short", { length, header: HEADER_LENGTH }, 0, length);
    return short;
  }
  const message: ImpMessage = readHeader(bytes);
  const spec = messageSpec(message.type);
  const result: Decoded = { length, message, spec, layout: null, count: 0, problems: NO_PROBLEMS };
  const out = result;

  for (const p of HEADER_CHECKED) checkValue(out, p.field, p.allowed, message[p.name], p.offset);
  if (!spec) problem(out, "unknownType", { type: message.type }, TYPE.offset, TYPE.field.size, TYPE.field.abbrev);
  const hlen = message.hlen;
  if (hlen < HEADER_LENGTH) {
    problem(out, "hlenMin", { hlen, header: HEADER_LENGTH }, HLEN.offset, HLEN.field.size, HLEN.field.abbrev);
    return result;
  }
  if (hlen > length) {
    problem(out, "hlenBeyond", { hlen, length }, HLEN.offset, HLEN.field.size, HLEN.field.abbrev);
    return result;
  }

  if (message.ack === 1) {
    checkIds(out, message, ACK_SPEC.name, ACK_SPEC.src, ACK_SPEC.group);
    if (hlen !== HEADER_LENGTH) {
      problem(out, "ackHlen", { hlen, header: HEADER_LENGTH }, HLEN.offset, HLEN.field.size, HLEN.field.abbrev);
      return result;
    }
    result.layout = ACK_SPEC.layout;
    if (length !== HEADER_LENGTH)
      problem(out, "trailing", { count: length - HEADER_LENGTH }, HEADER_LENGTH, length - HEADER_LENGTH, undefined, "ack");
    if (spec && spec.ackedBy.kind === "implicit") {
      problem(out, "implicitAck", { message: spec.name }, ACK.offset, ACK.field.size, ACK.field.abbrev);
    }
    return result;
  }
  if (!spec) return result;

  const match = layoutForHeaderLength(spec, hlen);
  if (!match) {
    problem(out, "hlenType", { hlen, message: spec.name, rule: headerLengthRule(spec) }, HLEN.offset, HLEN.field.size, HLEN.field.abbrev);
    return result;
  }
  result.layout = match.layout;
  result.count = match.count;
  if (!spec.payload && length !== hlen) {
    problem(out, "trailing", { count: length - hlen, message: spec.name }, hlen, length - hlen);
  }
  checkIds(out, message, spec.name, spec.src, spec.group);
  const places = layoutOffsets(match.layout);
  readOptions(bytes, message, places, match.count, out);
  if (places.payload) readPayload(bytes, message, places.payload, hlen, out);
  return result;
}

/** The payload after the header, as long as the layout's length field says (Data Length). */
function readPayload(
  bytes: Uint8Array,
  message: ImpMessage,
  place: NonNullable<LayoutPlaces["payload"]>,
  hlen: number,
  out: Decoded,
): void {
  const len = place.length;
  const lengthValue = message[len.name];
  const dataLen = typeof lengthValue === "number" ? lengthValue : 0;
  const available = bytes.length - hlen;
  const end = hlen + Math.min(available, dataLen);
  const payload = bytes.subarray(hlen, end);
  const field = place.field;
  message.payload = payload;
  setField(message, place.name, utf8Text(bytes, hlen, end));
  if (available !== dataLen) {
    const values = { dataLen, available, extra: available - dataLen };
    problem(out, "dataLen", values, len.offset, len.field.size, len.field.abbrev, available < dataLen ? undefined : "extra");
  }
  if (field.problem && !isAscii(bytes, hlen, end) && !isUtf8(payload)) problem(out, field.problem, {}, hlen, payload.length, field.abbrev);
}

function checkIds(out: Decoded, m: ImpMessage, name: string, src: readonly IdClass[], group: readonly IdClass[]): void {
  if (!inAnyIdClass(m.src, src)) {
    problem(
      out,
      "src",
      { label: HEADER_FIELDS.src.label, value: m.src, message: name, expected: classesText(src) },
      SRC.offset,
      SRC.field.size,
      SRC.field.abbrev,
    );
  }
  if (!inAnyIdClass(m.group, group)) {
    problem(
      out,
      "group",
      { label: HEADER_FIELDS.group.label, value: m.group, message: name, expected: classesText(group) },
      GROUP.offset,
      GROUP.field.size,
      GROUP.field.abbrev,
    );
  }
}

/** Reports the field's problem when `allowed` (its `valid` classes as a table) does not hold the value. */
function checkValue(out: Decoded, field: FieldSpec, allowed: Uint8Array | undefined, value: number, offset: number): void {
  if (allowed !== undefined && allowed[value] !== 1 && field.valid && field.problem) {
    problem(out, field.problem, { label: field.label, value, expected: classesText(field.valid) }, offset, field.size, field.abbrev);
  }
}

/** Reads one field; a username's odd padding byte goes to `target.pad`. */
function readField(bytes: Uint8Array, offset: number, place: FieldPlace, out: Decoded, target: { pad?: number }): string | number {
  const field = place.field;
  switch (field.kind) {
    case "username": {
      const u = readUsername(bytes, offset, field.size);
      if (!u.valid && field.problem) problem(out, field.problem, { text: u.text }, offset, field.size, field.abbrev);
      if (u.pad >= 0 && u.pad !== field.pad) target.pad = u.pad;
      return u.text;
    }
    case "ipv4":
      return readIpv4(bytes, offset);
    default: {
      const v = readUint(bytes, offset, field);
      checkValue(out, field, place.allowed, v, offset);
      return v;
    }
  }
}

/** An entry with every field present, in table order, so that all entries share one shape. */
const ENTRY_TEMPLATE: Readonly<ListEntry> = blankEntry(ENTRY_FIELDS);

function readOptions(bytes: Uint8Array, m: ImpMessage, places: LayoutPlaces, count: number, out: Decoded): void {
  for (const p of places.options) setField(m, p.name, readField(bytes, p.offset, p, out, m));
  const repeat = places.repeat;
  if (!repeat) return;
  let offset = places.repeatOffset;
  if (repeat.field.item === "entry") {
    const entries: ListEntry[] = [];
    for (let i = 0; i < count; i++, offset += repeat.itemSize) {
      const e: ListEntry = { ...ENTRY_TEMPLATE };
      for (const p of ENTRY_PLACES) setField(e, p.name, readField(bytes, offset + p.offset, p, out, e));
      entries.push(e);
    }
    setField(m, repeat.name, entries);
  } else {
    const items: number[] = [];
    const field = repeat.field;
    for (let i = 0; i < count; i++, offset += repeat.itemSize) {
      const id = readUint(bytes, offset, field);
      checkValue(out, field, repeat.allowed, id, offset);
      if (field.unique && items.includes(id)) problem(out, field.unique, { value: id }, offset, repeat.itemSize, field.abbrev);
      items.push(id);
    }
    setField(m, repeat.name, items);
  }
}

/** One-line description of a decoded datagram's type (for errors and logs). */
export function describeType(m: ImpMessage): string {
  return m.ack ? `ACK of ${typeName(m.type)}` : typeName(m.type);
}
