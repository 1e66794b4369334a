/**
 * The Wireshark Lua dissector, generated from the spec table (src/protocol). Every field,
 * value string, bitmask, offset (layout.ts), layout, length link, Source/Group rule, value class,
 * expert item with its sentence template, and Info and list-entry template comes from the table
 * as a Lua data table (`SPEC`); the only hand-written Lua is the generic interpreter in
 * runtime.ts that walks it, the way src/codec/decode.ts walks the table in TS.
 *
 * Display strings are derived from impkit's own `displayValue`, so that Wireshark shows what
 * `imp decode` shows: a value named by the table gets a Wireshark value string when impkit
 * prints it as `Name (value)`; a 0/1 field impkit prints as the bare name becomes a boolean
 * with true/false strings (`Set` / `Not set`); unnamed values keep the plain number.
 */
import { DEFAULT_PORT, OPTION_FIELDS, maskShift, typeName, type FieldSpec } from "../../src/protocol/fields.js";
import { ID_CLASS_TEXT, inIdClass, type IdClass } from "../../src/protocol/ids.js";
import {
  ENTRY_PLACES,
  HEADER_LENGTH,
  HEADER_PLACES,
  LIST_ENTRY_LENGTH,
  layoutHeaderLength,
  layoutOffsets,
  type Layout,
} from "../../src/protocol/layout.js";
import { ACK_SPEC, MESSAGES, headerLengthRule, type MessageSpec } from "../../src/protocol/messages.js";
import { PROBLEMS } from "../../src/protocol/problems.js";
import { templateParts } from "../../src/protocol/template.js";
import { keysOf } from "../../src/protocol/type-codes.js";
import { infoKind } from "../summary/info.js";
import { displayValue } from "../tree/build-tree.js";
import { toLua, type LuaValue } from "./lua-data.js";
import { LUA_RUNTIME } from "./runtime.js";

/** Name of the protocol in Wireshark (filter prefix) and its description (tree root). */
export const LUA_PROTO_NAME = "imp";
export const LUA_PROTO_DESCRIPTION = "Instant Messenger Protocol";
const CLASSES: readonly IdClass[] = ["zero", "client", "public", "private", "broadcast"];

/** The 0..255 values of an ID class as ranges, computed from inIdClass. */
function classRanges(cls: IdClass): [number, number][] {
  const ranges: [number, number][] = [];
  for (let v = 0; v <= 255; v++) {
    if (!inIdClass(v, cls)) continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === v - 1) last[1] = v;
    else ranges.push([v, v]);
  }
  return ranges;
}

/** Wireshark's own rendering of a bare uint value in a field of this base. */
function wiresharkNumber(field: FieldSpec, value: number): string {
  return field.base === "hex" ? `0x${value.toString(16).padStart(field.size * 2, "0")}` : String(value);
}

interface Presentation {
  ftype: "uint8" | "uint16" | "bool" | "string" | "ipv4" | "none";
  vs?: Record<number, string>;
  tfs?: [string, string];
  /** Some values have no name: Wireshark would print "Unknown (n)", impkit prints n. */
  partial?: boolean;
}

/** Wireshark type and value names that reproduce impkit's display of a field. */
function presentation(field: FieldSpec): Presentation {
  switch (field.kind) {
    case "username":
    case "text":
      return { ftype: "string" };
    case "ipv4":
      return { ftype: "ipv4" };
    case "list":
      return { ftype: "none" };
    case "uint":
      break;
  }
  const ftype = field.size === 2 ? "uint16" : "uint8";
  const domain =
    field.size === 1
      ? Array.from({ length: (field.mask ? field.mask >>> maskShift(field.mask) : 0xff) + 1 }, (_, v) => v)
      : Object.keys(field.values ?? {}).map(Number);
  const names: Record<number, string> = {};
  const bare: Record<number, string> = {};
  let unnamed = 0;
  for (const v of domain) {
    const shown = displayValue(field, v);
    const number = wiresharkNumber(field, v);
    const suffix = ` (${number})`;
    if (shown.endsWith(suffix)) names[v] = shown.slice(0, -suffix.length);
    else if (shown === number) unnamed++;
    else bare[v] = shown;
  }
  const bareKeys = Object.keys(bare);
  if (bareKeys.length > 0) {
    // impkit prints the bare name: a flag with true/false strings in Wireshark.
    if (domain.length !== 2 || bareKeys.length !== 2 || Object.keys(names).length > 0) {
      throw new Error(`${field.abbrev}: display ${JSON.stringify(bare)} has no Wireshark equivalent`);
    }
    return { ftype: "bool", tfs: [bare[1]!, bare[0]!] };
  }
  if (Object.keys(names).length === 0) return { ftype };
  return { ftype, vs: names, partial: unnamed > 0 };
}

function fieldData(field: FieldSpec, extra: Record<string, LuaValue> = {}): Record<string, LuaValue> {
  const p = presentation(field);
  return {
    abbrev: field.abbrev,
    label: field.label,
    kind: field.kind,
    ftype: p.ftype,
    size: field.size,
    mask: field.mask,
    shift: maskShift(field.mask),
    base: field.base,
    vs: p.vs,
    tfs: p.tfs,
    partial: p.partial,
    valid: field.valid,
    problem: field.problem,
    info: infoKind(field),
    item_info: field.itemInfo === undefined ? undefined : templateData(field.itemInfo),
    item_text: field.itemText === undefined ? undefined : templateData(field.itemText),
    blurb: field.blurb,
    ...extra,
  };
}

function layoutData(layout: Layout): LuaValue {
  const places = layoutOffsets(layout);
  const offsetOf = (name: string) => places.options.find((p) => p.name === name)!.offset;
  const slots = layout.slots.map((sl) => ({ offset: offsetOf(sl.fields[0]!), size: sl.size, fields: [...sl.fields] }));
  const repeat = places.repeat;
  const payload = places.payload;
  return {
    base: layoutHeaderLength(layout),
    slots,
    rep: repeat
      ? { field: repeat.name, abbrev: repeat.field.abbrev, size: repeat.itemSize, min: layout.repeat!.min, duplicate: repeat.field.unique }
      : undefined,
    payload: payload ? { len: payload.length.name, len_offset: payload.length.offset, field: payload.name } : undefined,
    variant: layout.variant,
  };
}

/** A template as a list of literal strings and `{ f = field, fmt = format }` references. */
function templateData(template: string): LuaValue[] {
  return templateParts(template).map((p) => (typeof p === "string" ? p : p.format ? { f: p.name, fmt: p.format } : { f: p.name }));
}

function messageData(m: MessageSpec): LuaValue {
  return {
    code: m.code,
    name: m.name,
    short: m.short,
    src: m.src,
    group: m.group,
    payload: m.payload,
    implicit: m.ackedBy.kind === "implicit",
    hl_rule: headerLengthRule(m),
    layouts: m.layouts.map(layoutData),
    info: templateData(m.info),
  };
}

/** The spec table, reshaped for the Lua interpreter. */
export function luaSpec(): Record<string, LuaValue> {
  const header = HEADER_PLACES.map((p) => fieldData(p.field, { key: p.name, offset: p.offset }));
  const options: Record<string, LuaValue> = {};
  for (const k of keysOf(OPTION_FIELDS)) {
    const f: FieldSpec = OPTION_FIELDS[k];
    options[k] = fieldData(f, { key: k, item_label: f.item === "uint" ? f.itemLabel : undefined });
  }
  const entry = ENTRY_PLACES.map((p) => fieldData(p.field, { key: p.name, offset: p.offset }));
  const messages: Record<string, LuaValue> = {};
  for (const m of MESSAGES) messages[String(m.code)] = messageData(m);
  const typeNames: Record<string, LuaValue> = {};
  for (let code = 0; code < 32; code++) typeNames[String(code)] = typeName(code);
  const problems: Record<string, LuaValue> = {};
  for (const [k, p] of Object.entries(PROBLEMS)) {
    const variants: Record<string, LuaValue> = {};
    for (const [v, t] of Object.entries(("variants" in p ? p.variants : undefined) ?? {})) variants[v] = templateData(t);
    problems[k] = { id: p.id, category: p.category, severity: p.severity, summary: p.summary, text: templateData(p.text), variants };
  }
  const classes: Record<string, LuaValue> = {};
  for (const c of CLASSES) classes[c] = classRanges(c);
  return {
    proto_name: LUA_PROTO_NAME,
    proto_description: LUA_PROTO_DESCRIPTION,
    default_port: DEFAULT_PORT,
    header_length: HEADER_LENGTH,
    entry_length: LIST_ENTRY_LENGTH,
    header,
    options,
    /** Registration order (Lua tables keep none). */
    option_keys: keysOf(OPTION_FIELDS),
    entry,
    messages,
    ack: { name: ACK_SPEC.name, short: ACK_SPEC.short, src: ACK_SPEC.src, group: ACK_SPEC.group },
    type_names: typeNames,
    problems,
    problem_keys: Object.keys(PROBLEMS),
    classes,
    class_text: { ...ID_CLASS_TEXT },
  };
}

/** The complete Lua dissector (one file, for `-X lua_script:` or the personal plugins folder). */
export function generateLua(): string {
  return [
    "-- Wireshark dissector for IMP, the Instant Messenger Protocol (UDP 1313).",
    "-- Generated by `imp lua` from impkit's spec table (src/protocol/). Do not edit: regenerate.",
    "-- Use: tshark -X lua_script:imp.lua -r FILE, or `imp lua --install` for Wireshark.",
    "",
    `local SPEC = ${toLua(luaSpec())}`,
    "",
    LUA_RUNTIME.trim(),
    "",
  ].join("\n");
}
