/**
 * The protocol tree of one datagram, derived from the spec table: every field with its byte
 * offset, length, bitmask, raw value and display text; list entries and invitees as subtrees;
 * the payload as text; the codec's problems attached as expert items to the field they concern.
 */
import type { Decoded, ImpMessage } from "../../src/codec/message.js";
import {
  ENTRY_FIELDS,
  HEADER_FIELDS,
  HEADER_LENGTH,
  HEADER_OFFSETS,
  LIST_ENTRY_LENGTH,
  FLAG_NAMES,
  OPTION_FIELDS,
  typeName,
  type FieldSpec,
} from "../../src/protocol/fields.js";
import { ACK_SPEC } from "../../src/protocol/messages.js";
import type { Problem } from "../../src/protocol/problems.js";
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
  if (field.abbrev === "imp.type") return name !== undefined ? `${name} (${hex})` : typeName(value);
  if (field.base === "hex") return hex;
  if (field.values === FLAG_NAMES) return name ?? String(value);
  const user = isClientField(field) && value !== 0 ? opts.nameOf?.(value) : undefined;
  if (user) return `${user} (${value})`;
  return name !== undefined ? `${name} (${value})` : String(value);
}

function isClientField(field: FieldSpec): boolean {
  return ["imp.src", "imp.client_id", "imp.invitee", "imp.invitees", "imp.entry.client_id"].includes(field.abbrev);
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
  const header = node(`Header (${HEADER_LENGTH} bytes)`, 0, HEADER_LENGTH);
  for (const [name, field] of Object.entries(HEADER_FIELDS) as [keyof typeof HEADER_FIELDS, FieldSpec][]) {
    header.children.push(fieldNode(field, m[name], HEADER_OFFSETS[name], opts));
  }
  root.children.push(...header.children);

  let offset = HEADER_LENGTH;
  const values = m as unknown as Record<string, unknown>;
  if (d.layout) {
    for (const slot of d.layout.slots) {
      for (const name of slot.fields) {
        const v = values[name];
        if (typeof v === "number" || typeof v === "string") root.children.push(fieldNode(OPTION_FIELDS[name], v, offset, opts));
      }
      offset += slot.size;
    }
    if (d.layout.repeat?.field === "invitees" && m.invitees) {
      const f = OPTION_FIELDS.invitees;
      const list = node(`Invitees: ${m.invitees.map((id) => displayValue(f, id, opts)).join(", ")}`, offset, m.invitees.length, {
        abbrev: f.abbrev,
      });
      m.invitees.forEach((id, i) => {
        list.children.push(fieldNode({ ...f, label: "Invitee", kind: "uint" }, id, offset + i, opts));
      });
      root.children.push(list);
      offset += m.invitees.length;
    } else if (d.layout.repeat?.field === "entry" && m.entry) {
      m.entry.forEach((e, i) => {
        const at = offset + i * LIST_ENTRY_LENGTH;
        const entry = node(`Entry ${i + 1}: ${e.username} (${e.client_id}), group ${e.group}, ${e.ip}:${e.port}`, at, LIST_ENTRY_LENGTH, {
          abbrev: OPTION_FIELDS.entry.abbrev,
        });
        let fo = at;
        for (const [k, f] of Object.entries(ENTRY_FIELDS) as [string, FieldSpec][]) {
          entry.children.push(fieldNode(f, (e as unknown as Record<string, FieldValue>)[k]!, fo, opts));
          fo += f.size;
        }
        root.children.push(entry);
      });
    }
  }
  if (m.payload && m.data !== undefined) {
    const f = OPTION_FIELDS.data;
    root.children.push(
      node(`${f.label}: ${JSON.stringify(m.data)}`, m.hlen, m.payload.length, { abbrev: f.abbrev, value: m.data, display: JSON.stringify(m.data) }),
    );
  }
  attachProblems(root, d.problems);
  return root;
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
