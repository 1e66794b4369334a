/**
 * Well-formed messages built from the spec table: for each type, the sender's layout with every
 * option field filled by a default its kind and IdClass allow. IDs are symbolic ("own", "other",
 * "ownGroup") and resolved when the case runs, since the target assigns them.
 */
import type { ListEntry, MessageInput } from "../../src/codec/index.js";
import { setField } from "../../src/codec/message.js";
import { OPTION_FIELDS, keysOf, messageSpec, type FieldSpec, type MessageSpec, type OptionFieldName } from "../../src/protocol/index.js";
import type { FieldValue, Symbolic } from "./values.js";

export interface IdContext {
  own: number;
  other: number;
  third: number;
  unknown: number;
  ownGroup: number;
  otherGroup: number;
  /** Name of the sending client (Connection Request). */
  ownName: string;
  /** Name of another connected client (username taken). */
  otherName: string;
  /** List entries a server-side template carries (client targets). */
  roster: ListEntry[];
}

/** A message with symbolic values: what a case stores. */
export interface Template {
  type: number;
  ack?: number;
  seq?: number;
  src: FieldValue;
  group: FieldValue;
  options: Record<string, FieldValue | FieldValue[] | string>;
}

export function resolve(v: FieldValue, ctx: IdContext): number {
  if (typeof v === "number") return v;
  switch (v as Symbolic) {
    case "own":
      return ctx.own;
    case "other":
      return ctx.other;
    case "third":
      return ctx.third;
    case "unknown":
      return ctx.unknown;
    case "ownGroup":
      return ctx.ownGroup;
    case "otherGroup":
      return ctx.otherGroup;
    default:
      return 0;
  }
}

/** Default of one option field, from its kind, its IdClasses and its name. */
function defaultOption(name: OptionFieldName): FieldValue | FieldValue[] | string | undefined {
  const f: FieldSpec = OPTION_FIELDS[name];
  switch (f.kind) {
    case "username":
      return "$own";
    case "text":
      return "fuzz";
    case "list":
      return f.item === "entry" ? "$roster" : ["other"];
    default:
      if (f.lengthOf !== undefined) return undefined; // computed by encode
      if (f.valid?.includes("private")) return "ownGroup";
      if (f.valid?.includes("client")) return name === "client_id" ? "own" : "other";
      return 0;
  }
}

function idOfClass(classes: readonly string[], client: FieldValue, group: FieldValue): FieldValue {
  const c = classes[0];
  if (c === "client") return client;
  if (c === "public") return 1;
  if (c === "private") return group;
  if (c === "broadcast") return 255;
  return 0;
}

/** The sender's form of a type, filled from the table. `groupOf`: the group a Data Message goes to. */
export function templateFor(spec: MessageSpec, groupOf: FieldValue = 1): Template {
  const options: Template["options"] = {};
  const layout = spec.layouts[0]!;
  for (const slot of layout.slots) {
    for (const name of slot.fields) {
      const v = defaultOption(name);
      if (v !== undefined) options[name] = v;
    }
  }
  if (layout.repeat) options[layout.repeat.field] = defaultOption(layout.repeat.field)!;
  const payload = spec.payload ? keysOf(OPTION_FIELDS).find((k) => OPTION_FIELDS[k].kind === "text") : undefined;
  if (payload) options[payload] = defaultOption(payload) as string;
  return {
    type: spec.code,
    src: idOfClass(spec.src, "own", "ownGroup"),
    group: spec.payload ? groupOf : idOfClass(spec.group, "own", "ownGroup"),
    options,
  };
}

/** The acknowledgement of a message (A=1, header only). */
export function ackTemplate(type: number, seq: number, src: FieldValue): Template {
  return { type, ack: 1, seq, src, group: 0, options: {} };
}

/** Option fields by name, for the names a template stores. */
const OPTION_NAMES: ReadonlyMap<string, OptionFieldName> = new Map(keysOf(OPTION_FIELDS).map((k) => [k, k]));

/** A concrete MessageInput for `encode`. */
export function toMessage(t: Template, seq: number, ctx: IdContext): MessageInput {
  const m: MessageInput = {
    type: t.type,
    ack: t.ack ?? 0,
    seq: t.seq ?? seq,
    src: resolve(t.src, ctx),
    group: resolve(t.group, ctx),
  };
  const spec = t.ack ? undefined : messageSpec(t.type);
  if (!spec) return m;
  for (const [k, v] of Object.entries(t.options)) {
    const name = OPTION_NAMES.get(k);
    if (!name) continue;
    const kind = OPTION_FIELDS[name].kind;
    if (v === "$own") setField(m, name, ctx.ownName);
    else if (v === "$other") setField(m, name, ctx.otherName);
    else if (v === "$roster") setField(m, name, ctx.roster);
    else if (Array.isArray(v))
      setField(
        m,
        name,
        v.map((x) => resolve(x, ctx)),
      );
    else if (kind === "text" || (typeof v === "string" && kind === "username")) setField(m, name, v);
    else setField(m, name, resolve(v as FieldValue, ctx));
  }
  return m;
}
