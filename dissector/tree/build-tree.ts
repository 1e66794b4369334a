/**
 * The protocol tree of one datagram, derived from the spec table: every field with its byte
 * offset, length, bitmask, raw value and display text; list entries and invitees as subtrees;
 * the payload as text; the codec's problems attached as expert items to the field they concern.
 */
import type { Decoded, ImpMessage, ListEntry } from "../../src/codec/message.js";
import { FLAG_NAMES, HEADER_FIELDS, typeName, type FieldSpec } from "../../src/protocol/fields.js";
import { ENTRY_PLACES, HEADER_PLACES, layoutOffsets, type LayoutPlaces } from "../../src/protocol/layout.js";
import { ACK_SPEC } from "../../src/protocol/messages.js";
import type { Problem } from "../../src/protocol/problems.js";
import { compileTemplate } from "../../src/protocol/template.js";
import { bitPattern } from "./bits.js";
import { node, walk, type FieldValue, type TreeNode } from "./node.js";

export interface TreeOptions {
  /** Username for a client ID, when known (analysis); shown as `alice(1)`. */
  nameOf?: (clientId: number) => string | undefined;
}

/** Display text of a field's value, as Wireshark shows it after the label. */
export function displayValue(field: FieldSpec, value: FieldValue, opts: TreeOptions = {}): string {
  if (typeof value !== "number") return field.kind === "text" ? JSON.stringify(value) : String(value);
  const name = field.values?.[value];
  const hex = `0x${value.toString(16).padStart(2, "0")}`;
  if (field.abbrev === HEADER_FIELDS.type.abbrev) return name !== undefined ? `${name} (${hex})` : typeName(value);
  if (field.base === "hex") return hex;
  if (field.values === FLAG_NAMES) return name ?? String(value);
  const user = field.refers === "client" && value !== 0 ? opts.nameOf?.(value) : undefined;
  if (user) return `${user} (${value})`;
  return name !== undefined ? `${name} (${value})` : String(value);
}

const itemTexts = new Map<string, (e: ListEntry) => string>();

/** The text of one list entry, from its field's `itemText` template (`alice (1), group 1, ...`). */
function entryText(list: FieldSpec, e: ListEntry): string {
  const template = list.itemText ?? "";
  let fill = itemTexts.get(template);
  if (!fill) {
    fill = compileTemplate<ListEntry>(template, (name) => {
      const place = ENTRY_PLACES.find((p) => p.name === name);
      if (!place) throw new Error(`${list.abbrev}: item template names unknown field {${name}}`);
      return (entry) => String(entry[place.name]);
    });
    itemTexts.set(template, fill);
  }
  return fill(e);
}

function fieldNode(field: FieldSpec, value: FieldValue, offset: number, opts: TreeOptions): TreeNode {
  const display = displayValue(field, value, opts);
  const prefix = field.mask && typeof value === "number" ? `${bitPattern(value, field.mask, field.size)} = ` : "";
  return node(`${prefix}${field.label}: ${display}`, offset, field.size, { abbrev: field.abbrev, value, display, mask: field.mask });
}

/** Root text: protocol name, message name and the key values. */
function rootText(m: ImpMessage | null, d: Decoded): string {
  if (!m) return `Instant Messenger Protocol, malformed (${d.length} bytes)`;
  const name = m.ack ? `${ACK_SPEC.name} of ${typeName(m.type)}` : typeName(m.type);
  return `Instant Messenger Protocol, ${name}, Src: ${m.src}, Group: ${m.group}, Seq: ${m.seq}`;
}

export function buildTree(d: Decoded, _bytes: Uint8Array, opts: TreeOptions = {}): TreeNode {
  const m = d.message;
  const root = node(rootText(m, d), 0, d.length, { abbrev: "imp" });
  if (!m) {
    root.experts.push(...d.problems);
    return root;
  }
  for (const p of HEADER_PLACES) root.children.push(fieldNode(p.field, m[p.name], p.offset, opts));
  if (d.layout) addOptions(root, m, layoutOffsets(d.layout), opts);
  attachProblems(root, d.problems);
  return root;
}

/** The option fields, the list and the payload of a message at the places of its layout. */
function addOptions(root: TreeNode, m: ImpMessage, places: LayoutPlaces, opts: TreeOptions): void {
  for (const p of places.options) {
    const v = m[p.name];
    if (typeof v === "number" || typeof v === "string") root.children.push(fieldNode(p.field, v, p.offset, opts));
  }
  const repeat = places.repeat;
  const items = repeat ? m[repeat.name] : undefined;
  if (repeat && items) {
    const f = repeat.field;
    const size = repeat.itemSize;
    const offset = places.repeatOffset;
    if (f.item === "entry") {
      items.forEach((e, i) => {
        if (typeof e !== "object") return;
        const at = offset + i * size;
        const entry = node(`${f.label} ${i + 1}: ${entryText(f, e)}`, at, size, { abbrev: f.abbrev });
        for (const p of ENTRY_PLACES) entry.children.push(fieldNode(p.field, e[p.name], at + p.offset, opts));
        root.children.push(entry);
      });
    } else {
      const ids = items.filter((id) => typeof id === "number");
      const list = node(`${f.label}: ${ids.map((id) => displayValue(f, id, opts)).join(", ")}`, offset, ids.length * size, {
        abbrev: f.abbrev,
      });
      const item: FieldSpec = { ...f, label: f.itemLabel ?? f.label, kind: "uint" };
      for (const [i, id] of ids.entries()) list.children.push(fieldNode(item, id, offset + i * size, opts));
      root.children.push(list);
    }
  }
  const payload = places.payload;
  const text = payload ? m[payload.name] : undefined;
  if (payload && m.payload && typeof text === "string") {
    const f = payload.field;
    root.children.push(
      node(`${f.label}: ${JSON.stringify(text)}`, m.hlen, m.payload.length, {
        abbrev: f.abbrev,
        value: text,
        display: JSON.stringify(text),
      }),
    );
  }
}

/** Puts each problem on the node of the field it names (the deepest covering its bytes), else on the root. */
function attachProblems(root: TreeNode, problems: readonly Problem[]): void {
  for (const p of problems) {
    let target: TreeNode = root;
    if (p.field) {
      for (const { node: n } of walk(root)) {
        if (n.abbrev === p.field && p.offset >= n.offset && p.offset < n.offset + Math.max(n.length, 1)) {
          target = n;
          if (n.children.length === 0) break;
        }
      }
    }
    target.experts.push(p);
  }
}
