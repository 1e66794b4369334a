/**
 * The Wireshark Lua dissector, generated from the spec table (src/protocol). Every field,
 * value string, bitmask, layout, Source/Group rule, value class, expert item and Info template
 * comes from the table as a Lua data table (`SPEC`); the only hand-written Lua is the generic
 * interpreter in runtime.ts that walks it, the way src/codec/decode.ts walks the table in TS.
 *
 * Display strings are derived from impkit's own `displayValue`, so that Wireshark shows what
 * `imp decode` shows: a value named by the table gets a Wireshark value string when impkit
 * prints it as `Name (value)`; a 0/1 field impkit prints as the bare name becomes a boolean
 * with true/false strings (`Set` / `Not set`); unnamed values keep the plain number.
 */
import {
  CLIENT_NAMES,
  DEFAULT_PORT,
  ENTRY_FIELDS,
  HEADER_FIELDS,
  HEADER_LENGTH,
  HEADER_OFFSETS,
  LIST_ENTRY_LENGTH,
  OPTION_FIELDS,
  maskShift,
  typeName,
  type FieldSpec,
} from "../../src/protocol/fields.js";
import { ID_CLASS_TEXT, inIdClass, type IdClass } from "../../src/protocol/ids.js";
import {
  ACK_SPEC,
  MESSAGES,
  headerLengthRule,
  layoutHeaderLength,
  repeatSize,
  type Layout,
  type MessageSpec,
} from "../../src/protocol/messages.js";
import { PROBLEMS } from "../../src/protocol/problems.js";
import type { ImpMessage } from "../../src/codec/message.js";
import { infoText } from "../summary/info.js";
import { displayValue } from "../tree/build-tree.js";
import { toLua, type LuaValue } from "./lua-data.js";
import { LUA_RUNTIME } from "./runtime.js";

/** Name of the protocol in Wireshark (filter prefix) and its description (tree root). */
export const LUA_PROTO_NAME = "imp";
export const LUA_PROTO_DESCRIPTION = "Instant Messenger Protocol";
/** Label of one item of a repeated one-byte list (the invitees), as impkit's tree shows it. */
const LIST_ITEM_LABEL: Readonly<Record<string, string>> = { invitees: "Invitee" };
/** Which decode.ts problem marks a value repeated inside a list. */
const LIST_DUPLICATE_PROBLEM: Readonly<Record<string, keyof typeof PROBLEMS>> = { invitees: "duplicateInvitee" };

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
    field.size === 1 ? Array.from({ length: (field.mask ? field.mask >>> maskShift(field.mask) : 0xff) + 1 }, (_, v) => v) : Object.keys(field.values ?? {}).map(Number);
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

/**
 * How the Info column shows a field (dissector/summary/info.ts): client IDs as "server" for 0,
 * lists of clients comma-separated, list entries summarised, fully named values by name, text
 * quoted, anything else as is.
 */
function infoKind(field: FieldSpec, p: Presentation): string {
  const isClient = field.values === CLIENT_NAMES || (field.valid?.includes("client") ?? false);
  if (field.kind === "list") return field.size === 1 && isClient ? "clients" : "entries";
  if (field.kind === "text") return "text";
  if (field.kind === "uint" && isClient) return "client";
  if (p.vs && !p.partial) return namesLowercaseInInfo(field) ? "name_lower" : "name";
  return "plain";
}

/**
 * Whether impkit's Info column shows this field's value names in lower case ("centralized"),
 * found by rendering a message whose Info template names the field.
 */
function namesLowercaseInInfo(field: FieldSpec): boolean {
  const spec = MESSAGES.find((m) => m.info.includes(`{${field.name}}`));
  const name = field.values?.[1];
  if (!spec || name === undefined || name.toLowerCase() === name) return false;
  const m = { type: spec.code, reserved: 0, seq: 0, ack: 0, src: 1, group: 0, hlen: 0, [field.name]: 1 } as ImpMessage;
  const text = infoText(m);
  return !text.includes(name) && text.includes(name.toLowerCase());
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
    info: infoKind(field, p),
    blurb: field.blurb,
    ...extra,
  };
}

function layoutData(layout: Layout): LuaValue {
  let offset = HEADER_LENGTH;
  const slots = layout.slots.map((s) => {
    const at = offset;
    offset += s.size;
    return { offset: at, size: s.size, fields: [...s.fields] };
  });
  return {
    base: layoutHeaderLength(layout),
    slots,
    rep: layout.repeat
      ? {
          field: layout.repeat.field,
          abbrev: OPTION_FIELDS[layout.repeat.field].abbrev,
          size: repeatSize(layout.repeat.field),
          min: layout.repeat.min,
          duplicate: LIST_DUPLICATE_PROBLEM[layout.repeat.field],
        }
      : undefined,
    variant: layout.variant,
  };
}

/** An Info template as a list of literal strings and `{ f = field }` references. */
function infoParts(template: string): LuaValue[] {
  const parts: LuaValue[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    if (m.index! > last) parts.push(template.slice(last, m.index));
    parts.push({ f: m[1]! });
    last = m.index! + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
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
    info: infoParts(m.info),
  };
}

/** The spec table, reshaped for the Lua interpreter. */
export function luaSpec(): Record<string, LuaValue> {
  const header = (Object.keys(HEADER_FIELDS) as (keyof typeof HEADER_FIELDS)[]).map((k) =>
    fieldData(HEADER_FIELDS[k], { key: k, offset: HEADER_OFFSETS[k] }),
  );
  const options: Record<string, LuaValue> = {};
  for (const [k, f] of Object.entries(OPTION_FIELDS) as [string, FieldSpec][]) {
    options[k] = fieldData(f, { key: k, item_label: LIST_ITEM_LABEL[k] });
  }
  let at = 0;
  const entry = (Object.entries(ENTRY_FIELDS) as [string, FieldSpec][]).map(([k, f]) => {
    const d = fieldData(f, { key: k, offset: at });
    at += f.size;
    return d;
  });
  const messages: Record<string, LuaValue> = {};
  for (const m of MESSAGES) messages[String(m.code)] = messageData(m);
  const typeNames: Record<string, LuaValue> = {};
  for (let code = 0; code < 32; code++) typeNames[String(code)] = typeName(code);
  const problems: Record<string, LuaValue> = {};
  for (const [k, p] of Object.entries(PROBLEMS)) problems[k] = { id: p.id, category: p.category, severity: p.severity, summary: p.summary };
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
    option_keys: Object.keys(OPTION_FIELDS),
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
