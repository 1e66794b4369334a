/**
 * The Info column: message name plus the per-type template of the spec table (`info`), with
 * client IDs shown as `alice(1)` when the name is known. Templates are compiled once.
 */
import type { ImpMessage } from "../../src/codec/message.js";
import { MODE_NAMES, REJECT_ERROR_NAMES, typeName } from "../../src/protocol/fields.js";
import { MESSAGES, messageSpec } from "../../src/protocol/messages.js";

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

const FIELD_RENDER: Readonly<Record<string, Render>> = {
  src: (m, n) => clientText(m.src, n),
  group: (m) => String(m.group),
  username: (m) => m.username ?? "",
  client_id: (m, n) => clientText(m.client_id ?? 0, n),
  invitee: (m, n) => clientText(m.invitee ?? 0, n),
  error: (m) => REJECT_ERROR_NAMES[m.error ?? 0] ?? String(m.error),
  mode: (m) => (MODE_NAMES[m.mode ?? 0] ?? String(m.mode)).toLowerCase(),
  new_group: (m) => String(m.new_group),
  invite_group: (m) => String(m.invite_group),
  data: (m) => quoteData(m.data ?? ""),
  invitees: (m, n) => (m.invitees ?? []).map((id) => clientText(id, n)).join(", "),
  entry: (m) => {
    const list = m.entry ?? [];
    if (list.length === 0) return "0 entries";
    if (list.length > 3) return `${list.length} entries`;
    return list.map((e) => `${e.username}(${e.client_id}) group ${e.group}`).join(", ");
  },
};

function compile(template: string): Render {
  const parts: (string | Render)[] = [];
  let last = 0;
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    parts.push(template.slice(last, match.index));
    const render = FIELD_RENDER[match[1]!];
    if (!render) throw new Error(`info template names unknown field {${match[1]}}`);
    parts.push(render);
    last = match.index! + match[0].length;
  }
  parts.push(template.slice(last));
  const kept = parts.filter((p) => p !== "");
  return (m, n) => {
    let out = "";
    for (const p of kept) out += typeof p === "string" ? p : p(m, n);
    return out;
  };
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
