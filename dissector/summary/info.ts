/**
 * The Info column: message name plus the per-type template of the spec table (`info`), with
 * client IDs shown as `alice(1)` when the name is known. How a field shows is derived from its
 * spec: what it refers to, its kind, its value names. Templates are compiled once.
 */
import type { ImpMessage, ListEntry } from "../../src/codec/message.js";
import { HEADER_FIELDS, OPTION_FIELDS, typeName, type FieldSpec } from "../../src/protocol/fields.js";
import { ENTRY_PLACES, fieldMax } from "../../src/protocol/layout.js";
import { MESSAGES, messageSpec } from "../../src/protocol/messages.js";
import { compileTemplate, templateParts } from "../../src/protocol/template.js";
import { keysOf } from "../../src/protocol/type-codes.js";

/** Resolves a client ID to a username, when known. */
export type NameOf = (clientId: number) => string | undefined;

type Render = (m: ImpMessage, nameOf: NameOf | undefined) => string;

export function clientText(id: number, nameOf: NameOf | undefined): string {
  if (id === 0) return "server";
  const name = nameOf?.(id);
  return name === undefined ? String(id) : `${name}(${id})`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters (to escape them) is the point.
const NEEDS_ESCAPE = /["\\\x00-\x1f\u2028\u2029]/;

function quoteData(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 59)}…` : text;
  return NEEDS_ESCAPE.test(shown) ? JSON.stringify(shown) : `"${shown}"`;
}

/** How the Info column shows a field's value. */
export type InfoKind = "text" | "clients" | "entries" | "client" | "name" | "name_lower" | "plain";

/** True when every value the field can hold has a name (a one-bit flag with both named). */
function namesEveryValue(field: FieldSpec): boolean {
  if (!field.values || field.size !== 1) return false;
  for (let v = 0; v <= fieldMax(field); v++) if (field.values[v] === undefined) return false;
  return true;
}

/**
 * How the Info column shows a field: text quoted, a list of clients comma-separated, list
 * entries summarised by their `itemInfo`, a client ID as `alice(1)` ("server" for 0), a value
 * whose every value is named by its name (lower case if `infoLowercase`), anything else as is.
 */
export function infoKind(field: FieldSpec): InfoKind {
  if (field.kind === "text") return "text";
  if (field.kind === "list") return field.item === "entry" ? "entries" : field.refers === "client" ? "clients" : "plain";
  if (field.kind === "uint" && field.refers === "client") return "client";
  if (field.kind === "uint" && namesEveryValue(field)) return field.infoLowercase ? "name_lower" : "name";
  return "plain";
}

/** One entry as the Info column shows it (`alice(1) group 1`). */
const entryInfo: (e: ListEntry) => string = compileTemplate<ListEntry>(OPTION_FIELDS.entry.itemInfo, (name) => {
  const place = ENTRY_PLACES.find((p) => p.name === name);
  if (!place) throw new Error(`imp.entry: Info template names unknown field {${name}}`);
  return (e) => String(e[place.name]);
});

function entriesText(list: readonly (number | ListEntry)[]): string {
  if (list.length === 0) return "0 entries";
  if (list.length > 3) return `${list.length} entries`;
  return list.map((e) => (typeof e === "object" ? entryInfo(e) : String(e))).join(", ");
}

/** Shows one field's value (the value, and the name resolver for client IDs). */
type Show = (v: unknown, nameOf: NameOf | undefined) => string;

function shower(field: FieldSpec): Show {
  const kind = infoKind(field);
  switch (kind) {
    case "text":
      return (v) => quoteData(typeof v === "string" ? v : "");
    case "clients":
      return (v, n) => (Array.isArray(v) ? v.map((id) => clientText(Number(id), n)).join(", ") : "");
    case "entries":
      return (v) => entriesText(Array.isArray(v) ? v : []);
    case "client":
      return (v, n) => clientText(Number(v ?? 0), n);
    case "name":
    case "name_lower":
      return (v) => {
        const shown = field.values?.[Number(v ?? 0)] ?? String(v);
        return kind === "name_lower" ? shown.toLowerCase() : shown;
      };
    default:
      return field.kind === "username" ? (v) => String(v ?? "") : (v) => String(v);
  }
}

/** Every header and option field, by name. */
const FIELDS: ReadonlyMap<string, FieldSpec> = new Map<string, FieldSpec>([
  ...keysOf(HEADER_FIELDS).map((k): [string, FieldSpec] => [k, HEADER_FIELDS[k]]),
  ...keysOf(OPTION_FIELDS).map((k): [string, FieldSpec] => [k, OPTION_FIELDS[k]]),
]);

/**
 * A template as one generated function: `"by " + S[0](m.src, n) + ...`. Each field is read by
 * its name where it is used (a generic `m[name]` shared by all fields is slow in V8), and shown
 * by the shower its spec calls for. Literals go in as JSON strings, names are checked.
 */
function compile(template: string): Render {
  const shows: Show[] = [];
  const terms = templateParts(template).map((p) => {
    if (typeof p === "string") return JSON.stringify(p);
    const field = FIELDS.get(p.name);
    if (!field || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name)) throw new Error(`info template names unknown field {${p.name}}`);
    shows.push(shower(field));
    return `S[${shows.length - 1}](m.${p.name}, n)`;
  });
  const body = `"use strict"; return (m, n) => ${terms.length > 0 ? terms.join(" + ") : '""'};`;
  return (new Function("S", body) as (s: readonly Show[]) => Render)(shows);
}

const RENDERERS: readonly (Render | undefined)[] = (() => {
  const table: (Render | undefined)[] = new Array(32).fill(undefined);
  for (const spec of MESSAGES) table[spec.code] = compile(spec.info);
  return table;
})();

/**
 * Calls `visit` with every client ID whose name `infoText` asks `nameOf` for: a reader that
 * shows Info elsewhere (another thread) sends these names along. Derived from infoText itself
 * (it is run with a `nameOf` that only records), so the two cannot disagree.
 */
export function visitNamedClients(m: ImpMessage, optionsRead: boolean, visit: (id: number) => void): void {
  infoText(
    m,
    (id) => {
      visit(id);
      return undefined;
    },
    optionsRead,
  );
}

/**
 * Info text of a decoded message, e.g. `Data Message alice(1) → group 2 "hello" seq=1`.
 * `optionsRead` is false when a length rule kept the codec from reading the options.
 */
export function infoText(m: ImpMessage, nameOf?: NameOf, optionsRead = true): string {
  if (m.ack) return `ACK ${typeName(m.type)} seq=${m.seq}${m.src ? ` by ${clientText(m.src, nameOf)}` : ""}`;
  const spec = messageSpec(m.type);
  const render = RENDERERS[m.type];
  if (!spec || !render || !optionsRead) return `${typeName(m.type)} seq=${m.seq}`;
  const rest = render(m, nameOf);
  return rest ? `${spec.name} ${rest} seq=${m.seq}` : `${spec.name} seq=${m.seq}`;
}
